/** Several nodes on one database (issue 16): which nodes there are, and this node's heartbeat. */
export { nodeId, listNodes, NodeHeartbeat, LIVE_MS } from "./nodes.ts";
