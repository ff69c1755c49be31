/** The signing thread's side (sign-pool.ts): signs what it is sent, answers with the header fields or why not. */
import { parentPort } from "node:worker_threads";
import { signatures } from "./sign.ts";
import type { SignReply, SignRequest } from "./sign-pool.ts";

const port = parentPort;
if (port === null) throw new Error("sign-thread.ts runs as a worker thread only");
port.on("message", (r: SignRequest) => {
  const reply = (m: SignReply): void => port.postMessage(m);
  signatures(Buffer.from(r.message.buffer, r.message.byteOffset, r.message.byteLength), r.domain, r.keys).then(
    (head) => reply({ id: r.id, head }),
    (e: unknown) => reply({ id: r.id, error: e instanceof Error ? e.message : String(e) }),
  );
});
