import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, type Logger } from "./logger.ts";
import { newSessionId, SESSION_ID_PATTERN } from "./session-id.ts";

function capture(): { log: Logger; lines: Array<Record<string, unknown>>; raw: string[] } {
  const raw: string[] = [];
  const log = createLogger({ write: (l) => raw.push(l), pretty: false });
  return {
    log,
    raw,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

test("a line is one JSON object: level by name, ISO time, message; no pid or hostname", () => {
  const c = capture();
  c.log.info("mx listening on 127.0.0.1:25");
  assert.equal(c.raw.length, 1);
  assert.ok(c.raw[0]?.endsWith("}\n"));
  const [line] = c.lines;
  assert.deepEqual(Object.keys(line ?? {}).sort(), ["level", "msg", "time"]);
  assert.equal(line?.["level"], "info");
  assert.equal(line?.["msg"], "mx listening on 127.0.0.1:25");
  assert.match(String(line?.["time"]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test("a connection's child logger binds session, protocol and client; the account is added once known", () => {
  const c = capture();
  const conn = c.log.child({ session: "0123456789ABCDEF", proto: "imap", client: "192.0.2.7" });
  conn.info("connection opened", { port: 993 });
  conn.bind({ account: "alice@example.test" });
  conn.warn("slow client");
  c.log.info("not the connection's");
  const [opened, warned, other] = c.lines;
  assert.deepEqual(
    { session: opened?.["session"], proto: opened?.["proto"], client: opened?.["client"], port: opened?.["port"], account: opened?.["account"] },
    { session: "0123456789ABCDEF", proto: "imap", client: "192.0.2.7", port: 993, account: undefined },
  );
  assert.equal(warned?.["account"], "alice@example.test");
  assert.equal(warned?.["session"], "0123456789ABCDEF");
  assert.equal(warned?.["level"], "warn");
  assert.equal(other?.["session"], undefined, "the parent has no connection's bindings");
});

test("an error is its type, first message line and code; the stack only at debug", () => {
  const c = capture();
  const e = Object.assign(new Error("EISDIR: illegal operation on a directory, read\nsecond line"), { code: "EISDIR" });
  c.log.error("imap session: internal error", e, { tag: "A3" });
  c.log.setLevel("debug");
  c.log.error("again", e);
  c.log.warn("a string", "plain words\nmore");
  const [first, second, third] = c.lines;
  assert.deepEqual(first?.["err"], { type: "Error", message: "EISDIR: illegal operation on a directory, read", code: "EISDIR" });
  assert.equal(first?.["tag"], "A3");
  assert.equal(first?.["msg"], "imap session: internal error: EISDIR: illegal operation on a directory, read (EISDIR)", "the message says it too, as the plain-text log did");
  assert.match(String((second?.["err"] as Record<string, unknown>)["stack"]), /logger\.test\.ts/);
  assert.deepEqual(third?.["err"], { message: "plain words" });
});

test("the level applies to the logger and every child, also one made before the change", () => {
  const c = capture();
  const child = c.log.child({ session: "S" });
  child.debug("hidden at info");
  c.log.setLevel("debug");
  child.debug("shown at debug");
  c.log.setLevel("error");
  child.info("hidden at error");
  c.log.warn("hidden at error");
  child.error("shown at error");
  assert.deepEqual(
    c.lines.map((l) => l["msg"]),
    ["shown at debug", "shown at error"],
  );
});

test("fields named like a secret are redacted, even if a caller slipped", () => {
  const c = capture();
  c.log.child({ session: "S" }).info("sign-in failed", { user: "alice", password: "hunter2-secret", token: "t0k3n" });
  assert.ok(!c.raw.join("").includes("hunter2-secret"));
  assert.ok(!c.raw.join("").includes("t0k3n"));
  assert.equal(c.lines[0]?.["password"], "[redacted]");
  assert.equal(c.lines[0]?.["user"], "alice");
});

test("pretty: the same line in words for a terminal", () => {
  const raw: string[] = [];
  const log = createLogger({ write: (l) => raw.push(l), pretty: true });
  log.child({ session: "0123456789ABCDEF", proto: "pop3", client: "192.0.2.7" }).info("sign-in failed", { reason: "wrong password" });
  assert.match(raw[0] ?? "", /^\d{4}-\d\d-\d\dT[\d:.]+Z info {2}\[0123456789ABCDEF pop3 192\.0\.2\.7\] sign-in failed reason="wrong password"\n$/);
});

test("session ids: 16 upper-case hex digits, a new one each time", () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newSessionId()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, SESSION_ID_PATTERN);
});
