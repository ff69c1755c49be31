/** The server's calendar time (schedules, grants, windows): the system clock, or a clock file for tests and rehearsals. */
export { processClock, type Clock } from "./clock.ts";
