/** CAPA (RFC 2449 §5), STLS (RFC 2595 §4), NOOP and QUIT (RFC 1939 §5–§6). */
import type { Pop3Command } from "../command.ts";
import { Pop3Error, QuitText, RespCode } from "../replies.ts";

export const CAPA: Pop3Command = {
  verb: "CAPA",
  states: ["authorization", "transaction"],
  handle(s) {
    const caps = ["CAPA", "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"];
    if (s.state === "authorization") {
      // RFC 2595 §4 / RFC 8314: offer the password mechanisms only once TLS protects them.
      if (s.conn.tls !== null) caps.push("USER", "SASL PLAIN");
      if (s.canStartTls) caps.push("STLS");
    }
    caps.push("IMPLEMENTATION Sealpost");
    s.write(`+OK Capability list follows\r\n${caps.join("\r\n")}\r\n.\r\n`);
    return undefined;
  },
};

export const STLS: Pop3Command = {
  verb: "STLS",
  states: ["authorization"],
  handle(s) {
    if (!s.canStartTls) throw new Pop3Error(s.conn.tls !== null ? "TLS already active." : "TLS not available.");
    s.ok("Begin TLS negotiation now.");
    return "tls";
  },
};

export const NOOP: Pop3Command = {
  verb: "NOOP",
  states: ["transaction"],
  handle(s) {
    s.ok("");
    return undefined;
  },
};

export const QUIT: Pop3Command = {
  verb: "QUIT",
  states: ["authorization", "transaction"],
  async handle(s) {
    if (s.state === "transaction") {
      // RFC 1939 §6: the UPDATE state removes the messages marked as deleted.
      let removed: number;
      try {
        removed = await s.commitDeletions();
      } catch {
        s.closeAfterReply("quit");
        throw new Pop3Error("Some deleted messages were not removed.", { code: RespCode.SYS_TEMP });
      }
      s.ok(QuitText.deleted(removed));
    } else {
      s.ok(QuitText.SIGN_OFF);
    }
    s.closeAfterReply("quit");
    return "closing" as const;
  },
};
