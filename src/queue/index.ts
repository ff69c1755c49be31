/** The durable outbound queue. */
export { enqueue, listQueue, showQueued, retryNow, requestBounce, deleteQueued, setPaused, isPaused, newQueueId, type QueuedMessage, type QueuedMessageDetail, type QueuedRecipient } from "./queue.ts";
