/** The TRANSACTION state's commands (RFC 1939 §5, §7): STAT, LIST, RETR, DELE, RSET, TOP, UIDL. */
import type { Pop3Api, Pop3Command } from "../command.ts";
import type { Maildrop } from "../maildrop.ts";
import { stuffMessage } from "../maildrop.ts";
import { Pop3Error, multiLine } from "../replies.ts";

function drop(s: Pop3Api): Maildrop {
  if (s.maildrop === null) throw new Pop3Error("No mailbox open.");
  return s.maildrop;
}

/** A message-number argument (RFC 1939 §3: msg), which must name a live message. */
function messageNumber(s: Pop3Api, arg: string | undefined): number {
  if (arg === undefined || !/^\d{1,10}$/.test(arg)) throw new Pop3Error("Invalid message number.");
  const n = Number(arg);
  const d = drop(s);
  if (d.isDeleted(n)) throw new Pop3Error(`Message ${n} is deleted.`);
  if (d.get(n) === undefined) throw new Pop3Error(`There's no message ${n}.`);
  return n;
}

export const STAT: Pop3Command = {
  verb: "STAT",
  states: ["transaction"],
  handle(s) {
    const { count, size } = drop(s).stat();
    s.ok(`${count} ${size}`);
    return undefined;
  },
};

export const LIST: Pop3Command = {
  verb: "LIST",
  states: ["transaction"],
  handle(s, args) {
    const d = drop(s);
    if (args[0] !== undefined) {
      const n = messageNumber(s, args[0]);
      s.ok(`${n} ${d.get(n)?.size ?? 0}`);
      return undefined;
    }
    const { count, size } = d.stat();
    s.write(multiLine(`${count} messages (${size} octets)`, [...d.live()].map(([n, m]) => `${n} ${m.size}`)));
    return undefined;
  },
};

export const UIDL: Pop3Command = {
  verb: "UIDL",
  states: ["transaction"],
  handle(s, args) {
    const d = drop(s);
    if (args[0] !== undefined) {
      const n = messageNumber(s, args[0]);
      const m = d.get(n);
      if (m !== undefined) s.ok(`${n} ${d.uidl(m)}`);
      return undefined;
    }
    s.write(multiLine("", [...d.live()].map(([n, m]) => `${n} ${d.uidl(m)}`)));
    return undefined;
  },
};

export const RETR: Pop3Command = {
  verb: "RETR",
  states: ["transaction"],
  async handle(s, args) {
    const n = messageNumber(s, args[0]);
    const m = drop(s).get(n);
    if (m === undefined) throw new Pop3Error(`There's no message ${n}.`);
    const raw = await s.readMessage(m.blob);
    s.write(Buffer.concat([Buffer.from(`+OK ${m.size} octets\r\n`), stuffMessage(raw)]));
    return undefined;
  },
};

export const TOP: Pop3Command = {
  verb: "TOP",
  states: ["transaction"],
  async handle(s, args) {
    const n = messageNumber(s, args[0]);
    const lines = args[1];
    if (lines === undefined || !/^\d{1,9}$/.test(lines)) throw new Pop3Error("Invalid number of lines.");
    const m = drop(s).get(n);
    if (m === undefined) throw new Pop3Error(`There's no message ${n}.`);
    const raw = await s.readMessage(m.blob);
    s.write(Buffer.concat([Buffer.from("+OK\r\n"), stuffMessage(raw, Number(lines))]));
    return undefined;
  },
};

export const DELE: Pop3Command = {
  verb: "DELE",
  states: ["transaction"],
  handle(s, args) {
    const n = messageNumber(s, args[0]);
    drop(s).markDeleted(n);
    s.ok(`Marked to be deleted.`);
    return undefined;
  },
};

export const RSET: Pop3Command = {
  verb: "RSET",
  states: ["transaction"],
  handle(s) {
    drop(s).reset();
    s.ok("");
    return undefined;
  },
};
