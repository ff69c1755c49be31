/**
 * Everything an account holds, as Python's imaplib sees it over IMAPS: per mailbox, each message's
 * UID, flags, INTERNALDATE and bytes (BODY.PEEK[], so reading changes nothing). ASCII mailbox
 * names only (no modified UTF-7 decoding here).
 */
import { python } from "../harness.ts";

export interface DumpedMessage {
  uid: number;
  flags: string[];
  internalDate: string;
  bytes: Buffer;
}

export type MailboxDump = Record<string, DumpedMessage[]>;

const SCRIPT = `
import base64, imaplib, json, os, re, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["PORT"]), ssl_context=ctx)
m.login(os.environ["USER_NAME"], os.environ["USER_PW"])
out = {}
typ, boxes = m.list()
assert typ == "OK", boxes
for line in boxes:
    name = re.match(rb'^\\([^)]*\\) (?:"[^"]*"|NIL) (.*)$', line).group(1).decode()
    if name.startswith('"'):
        name = name[1:-1].replace('\\\\"', '"').replace('\\\\\\\\', '\\\\')
    typ, count = m.select('"%s"' % name, readonly=True)
    assert typ == "OK", count
    msgs = []
    if int(count[0]) > 0:
        typ, data = m.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])")
        assert typ == "OK", data
        cur = None
        for item in data:
            if isinstance(item, tuple):
                cur = {"meta": item[0], "body": item[1]}
                msgs.append(cur)
            elif cur is not None and item is not None:
                cur["meta"] += item
        for rec in msgs:
            meta = rec.pop("meta").decode("latin1")
            rec["uid"] = int(re.search(r"UID (\\d+)", meta).group(1))
            rec["flags"] = re.search(r"FLAGS \\(([^)]*)\\)", meta).group(1).split()
            rec["date"] = re.search(r'INTERNALDATE "([^"]*)"', meta).group(1)
            rec["b64"] = base64.b64encode(rec.pop("body")).decode()
    out[name] = msgs
m.logout()
print(json.dumps(out))
`;

export function imapDump(port: number, user: string, password: string): MailboxDump {
  const raw = JSON.parse(python(SCRIPT, { PORT: String(port), USER_NAME: user, USER_PW: password })) as Record<
    string,
    Array<{ uid: number; flags: string[]; date: string; b64: string }>
  >;
  const out: MailboxDump = {};
  for (const [name, msgs] of Object.entries(raw)) {
    out[name] = msgs.map((x) => ({ uid: x.uid, flags: x.flags, internalDate: x.date, bytes: Buffer.from(x.b64, "base64") }));
  }
  return out;
}
