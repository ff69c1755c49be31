/** The server process: wiring of config, store, TLS and listeners. */
export { startServer } from "./server.ts";
export { httpListenerRuns } from "./settings.ts";
