/**
 * The program a worker process runs (`[process] workers` > 1; the primary forks it with the data
 * directory as its argument). Its log lines carry `worker: N`. V8's compile cache is switched on
 * before the server's modules load, as src/cli/sealpost.js does for the command.
 */
import { enableCompileCache } from "node:module";

enableCompileCache();
const { createLogger } = await import("../log/index.ts");
const { runWorker } = await import("./worker.ts");
const dataDir = process.argv[2];
const log = createLogger().child({ worker: Number(process.env["SEALPOST_WORKER"] ?? 0) });
if (dataDir === undefined) {
  log.error("worker: no data directory given");
  process.exit(2);
}
await runWorker(dataDir, log).catch((e: unknown) => {
  log.error("worker: could not start", e);
  process.exit(1);
});
