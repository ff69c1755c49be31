/** The server's calendar time (schedules, grants, windows): the system clock, or a clock file for tests and rehearsals. */
export { systemClock, fileClock, processClock, CLOCK_FILE_ENV, ClockFileError, type Clock } from "./clock.ts";
