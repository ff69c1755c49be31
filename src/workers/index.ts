/** Worker processes (`[process] workers`): the primary's pool and a worker's link to it. */
export { WorkerPool } from "./pool.ts";
export { PrimaryLink } from "./link.ts";
