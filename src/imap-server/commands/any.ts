/** Commands valid in any state (RFC 9051 §6.1): CAPABILITY, NOOP, LOGOUT; and ID (RFC 2971). */
import { DEFERRED, type ImapCommand } from "../command.ts";
import { bad } from "../errors.ts";

const ALL = ["not-authenticated", "authenticated", "selected"] as const;

export const CAPABILITY: ImapCommand = {
  name: "CAPABILITY",
  states: ALL,
  handle(s, cmd) {
    cmd.args.end();
    s.untagged(`CAPABILITY ${s.capabilities().join(" ")}`);
    return { text: "Capability completed." };
  },
};

export const NOOP: ImapCommand = {
  name: "NOOP",
  states: ALL,
  handle(_s, cmd) {
    // RFC 9051 §6.1.2: updates for the selected mailbox go out with the completion.
    cmd.args.end();
    return { text: "NOOP completed." };
  },
};

export const LOGOUT: ImapCommand = {
  name: "LOGOUT",
  states: ALL,
  handle(s, cmd) {
    cmd.args.end();
    // RFC 9051 §6.1.3: untagged BYE, then the tagged OK, then close.
    s.untagged("BYE Logging out.");
    s.write(`${cmd.tag} OK Logout completed.\r\n`);
    s.closeAfterReply("logout");
    return DEFERRED;
  },
};

export const ID: ImapCommand = {
  name: "ID",
  states: ALL,
  handle(s, cmd) {
    // RFC 2971 §3.1: ID ("name" "value" ...) or ID NIL; we remember the client's name for the history.
    const a = cmd.args;
    a.sp();
    if (a.peekIs("(")) {
      const items = a.list((p) => p.nstring(), { allowEmpty: true });
      const fields = new Map<string, string>();
      for (let i = 0; i + 1 < items.length && i < 60; i += 2) {
        const key = items[i];
        const value = items[i + 1];
        if (key !== null && key !== undefined && value !== null && value !== undefined) fields.set(key.toLowerCase(), value);
      }
      const name = [fields.get("name"), fields.get("version")].filter((x) => x !== undefined).join(" ");
      if (name !== "") s.setClientName(name);
    } else if (a.atom().toUpperCase() !== "NIL") {
      throw bad("ID takes a parenthesized list or NIL.");
    }
    a.end();
    s.untagged('ID ("name" "Sealpost" "vendor" "Sealpost")');
    return { text: "ID completed." };
  },
};
