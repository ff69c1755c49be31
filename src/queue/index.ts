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
  type QueuedMessage,
  type QueueSummary,
} from "./queue.ts";
