/**
 * The web console (HTTPS on the shared listener and TLS transport): sign-in, the account page with
 * its login history, domain and server administration, the checker. Server-rendered, no JavaScript.
 */
export { createHttpServer, createWebListener } from "./listener.ts";
export { createWebApp } from "./app.ts";
export { createHttpListener } from "./redirect.ts";
export type { MailSettings } from "./deps.ts";
export { STATUS_SCHEMA } from "./status-schema.ts";
