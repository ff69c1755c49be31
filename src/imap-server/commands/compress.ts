/**
 * COMPRESS (RFC 4978 §3): `COMPRESS DEFLATE` turns on raw deflate in both directions after the
 * tagged OK (the connection's layer does the work: src/tls/compression.ts). Offered once signed in.
 * Another mechanism is BAD (§3: "not supported"); a second COMPRESS is NO [COMPRESSIONACTIVE].
 */
import { DEFERRED, type ImapCommand } from "../command.ts";
import { bad, no, ResponseCode } from "../errors.ts";

export const COMPRESS: ImapCommand = {
  name: "COMPRESS",
  states: ["authenticated", "selected"],
  handle(s, cmd) {
    const a = cmd.args;
    a.sp();
    const mechanism = a.atom().toUpperCase();
    a.end();
    if (mechanism !== "DEFLATE") throw bad("Unsupported compression mechanism.");
    if (s.compressed) throw no("DEFLATE is active already.", ResponseCode.COMPRESSIONACTIVE);
    s.startCompression(cmd.tag);
    return DEFERRED;
  },
};
