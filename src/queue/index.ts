/** The durable outbound queue. */
export {
  enqueue,
  listQueue,
  showQueued,
  retryNow,
  requestBounce,
  deleteQueued,
  deferredByDestination,
  oldestDeferredAt,
  setPaused,
  isPaused,
  newQueueId,
  queueSummary,
  tlsRequiredOf,
  type TlsRequired,
  type QueuedMessage,
  type QueueSummary,
} from "./queue.ts";
