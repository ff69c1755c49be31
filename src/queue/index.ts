/** The durable outbound queue. */
export { enqueue, listQueue, queueStats, showQueued, retryNow, requestBounce, deleteQueued, setPaused, isPaused, newQueueId, type QueuedMessage, type QueuedMessageDetail, type QueuedRecipient } from "./queue.ts";
