/** The durable outbound queue. */
export { enqueue, listQueue, newQueueId, type QueuedMessage } from "./queue.ts";
