/**
 * Maintenance windows (issue 12): announced spans in which services are interrupted, with a
 * message for the status page, and — with pause-delivery — the outbound queue paused and resumed
 * by itself at the end (MaintenanceWatch, on the server's clock).
 */
export { SERVICES, MESSAGE_MAX, MaintenanceError, addWindow, listWindows, deleteWindow, parseServices, phaseOf, type MaintenanceWindow, type Service } from "./windows.ts";
export { MaintenanceWatch } from "./watch.ts";
