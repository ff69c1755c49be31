/** The server process: wiring of config, store, TLS and listeners. */
export { startServer, type RunningServer } from "./server.ts";
