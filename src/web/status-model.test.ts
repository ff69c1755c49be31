import { test } from "node:test";
import assert from "node:assert/strict";
import { validateAgainstSchema } from "../check/index.ts";
import type { MaintenanceWindow } from "../maintenance/index.ts";
import { buildStatus, statusJson, type StatusInput } from "./status-model.ts";
import { STATUS_SCHEMA } from "./status-schema.ts";

const MIN = 60_000;
const NOW = Date.parse("2027-01-31T04:10:00Z");
const ALL = ["mx", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "web"].map((name) => ({ name, listening: true }));

const win = (id: number, from: number, to: number, over: Partial<MaintenanceWindow> = {}): MaintenanceWindow => ({
  id,
  startsAt: from,
  endsAt: to,
  services: ["imap", "pop3"],
  message: "TLS update",
  pauseDelivery: false,
  createdAt: 0,
  ...over,
});

const input = (over: Partial<StatusInput> = {}): StatusInput => ({
  now: NOW,
  listeners: ALL,
  windows: [],
  operatorPaused: false,
  oldestDeferredSeconds: null,
  cutoff: null,
  affectedAccounts: null,
  ...over,
});

const states = (i: StatusInput): Record<string, string> => Object.fromEntries(buildStatus(i).services.map((s) => [s.id, s.state]));

test("every listener listening: all up; a service none of whose listeners runs is off", () => {
  const s = buildStatus(input({ listeners: ALL.filter((l) => !l.name.startsWith("pop3")) }));
  assert.equal(s.overall, "up");
  assert.deepEqual(states(input({ listeners: ALL.filter((l) => !l.name.startsWith("pop3")) })), { mx: "up", submission: "up", imap: "up", pop3: "off", web: "up", delivery: "up" });
});

test("a listener not listening: its service degraded when another of its listeners runs, down when none does", () => {
  const listeners = ALL.map((l) => ({ ...l, listening: l.name !== "imaps" && l.name !== "mx" }));
  const s = buildStatus(input({ listeners }));
  assert.deepEqual(states(input({ listeners })), { mx: "down", submission: "up", imap: "degraded", pop3: "up", web: "up", delivery: "up" });
  assert.equal(s.overall, "down");
});

test("an open window degrades the services it names and, with pause-delivery, delivery; windows sort into now, upcoming and the last 7 days", () => {
  const windows = [
    win(1, NOW - 8 * 1440 * MIN, NOW - 8 * 1440 * MIN + 30 * MIN),
    win(2, NOW - 1440 * MIN, NOW - 1410 * MIN),
    win(3, NOW - 10 * MIN, NOW + 20 * MIN, { pauseDelivery: true }),
    win(4, NOW + 1440 * MIN, NOW + 1470 * MIN, { services: ["web"], message: null }),
    win(5, NOW - 60 * MIN, NOW - 30 * MIN),
  ];
  const s = buildStatus(input({ windows, operatorPaused: true }));
  assert.deepEqual(states(input({ windows })), { mx: "up", submission: "up", imap: "degraded", pop3: "degraded", web: "up", delivery: "degraded" });
  assert.deepEqual(s.delivery.pausedBy, ["maintenance", "operator"]);
  assert.equal(s.services.find((x) => x.id === "delivery")?.maintenance, true);
  assert.deepEqual(s.maintenance.current.map((w) => w.from), [NOW - 10 * MIN]);
  assert.deepEqual(s.maintenance.upcoming.map((w) => w.from), [NOW + 1440 * MIN]);
  assert.deepEqual(s.maintenance.past.map((w) => w.from), [NOW - 60 * MIN, NOW - 1440 * MIN], "latest first; older than 7 days left out");
  // At the end instant the window is past: the services are up again.
  assert.deepEqual(states(input({ windows, now: NOW + 20 * MIN })), { mx: "up", submission: "up", imap: "up", pop3: "up", web: "up", delivery: "up" });
});

test("the operator's pause alone degrades delivery; a cancelled cut-off is not announced", () => {
  const s = buildStatus(input({ operatorPaused: true, cutoff: { date: NOW + MIN, state: "cancelled" } }));
  assert.deepEqual(s.delivery.pausedBy, ["operator"]);
  assert.equal(s.services.find((x) => x.id === "delivery")?.maintenance, false);
  assert.equal(s.cutoff, null);
});

test("the JSON of every shape validates against STATUS_SCHEMA, and a broken one does not", () => {
  const shapes = [
    input(),
    input({ windows: [win(3, NOW - 10 * MIN, NOW + 20 * MIN, { pauseDelivery: true, message: null })], oldestDeferredSeconds: 3600, operatorPaused: true }),
    input({ cutoff: { date: NOW + 30 * 1440 * MIN, state: "scheduled" }, affectedAccounts: 3 }),
    input({ cutoff: { date: NOW - MIN, state: "done" }, listeners: [] }),
  ];
  for (const i of shapes) assert.deepEqual(validateAgainstSchema(STATUS_SCHEMA, JSON.parse(JSON.stringify(statusJson(buildStatus(i))))), []);
  const good = JSON.parse(JSON.stringify(statusJson(buildStatus(shapes[1] ?? input())))) as Record<string, unknown>;
  assert.deepEqual(validateAgainstSchema(STATUS_SCHEMA, { ...good, overall: "fine" }), ['$.overall: "fine" is not one of "up", "degraded", "down"']);
  assert.deepEqual(validateAgainstSchema(STATUS_SCHEMA, { ...good, queueDepth: 4 }), ['$: unexpected property "queueDepth"']);
  assert.deepEqual(validateAgainstSchema(STATUS_SCHEMA, { ...good, cutoff: { date: "x", state: "scheduled" } }), ['$.cutoff: missing required property "affectedAccounts"']);
});
