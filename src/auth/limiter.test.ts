import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { KNOWN_FOR_MS, LoginLimiter, type Admission, type LimiterSettings, type Slot } from "./limiter.ts";

const LIMITS: LimiterSettings = { maxFailuresPerIp: 10, maxFailuresPerNetwork: 30, maxFailuresPerUser: 5, windowMs: 300_000 };
const T0 = 1_000_000;

function slotOf(a: Admission): Slot {
  assert.ok(a.kind === "admitted", `not admitted: ${a.kind}`);
  return a.slot;
}

function refusal(a: Admission): string {
  assert.ok(a.kind === "refused", a.kind);
  return `${a.limit} ${a.max} ${a.from}`;
}

/** The attempt must wait for a check in flight; resolves true once it is woken. */
function waiting(a: Admission): { woken: () => boolean } {
  assert.ok(a.kind === "wait", a.kind);
  let woken = false;
  void a.until().then(() => (woken = true));
  return { woken: () => woken };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test("a slot is taken before the check: parallel attempts get exactly the limit, however they end", async () => {
  const l = new LoginLimiter();
  const limits = { ...LIMITS, maxFailuresPerUser: 100 };
  const slots = Array.from({ length: 10 }, () => slotOf(l.admit("alice@example.test", "203.0.113.7", limits, T0)));
  // Ten checks in flight and none finished: the eleventh gets no check now; it waits for their outcome.
  const eleventh = waiting(l.admit("alice@example.test", "203.0.113.7", limits, T0));
  for (const s of slots) s.fail();
  await tick();
  assert.ok(eleventh.woken());
  assert.equal(refusal(l.admit("alice@example.test", "203.0.113.7", limits, T0)), "address 10 203.0.113.7");
  assert.equal(refusal(l.admit("bob@example.test", "203.0.113.7", limits, T0)), "address 10 203.0.113.7");
});

test("checks in flight that succeed let the waiting attempts in: a burst of right passwords is never refused", async () => {
  const l = new LoginLimiter();
  let admitted = 0;
  let refused = 0;
  let inFlight = 0;
  let most = 0;
  // 50 sign-ins at once from one address, every one with the right password.
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      const a = await l.enter("alice@example.test", "203.0.113.7", LIMITS);
      if (a === null || a.kind === "refused") return void refused++;
      admitted++;
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight--;
      a.slot.succeed();
    }),
  );
  assert.deepEqual({ admitted, refused }, { admitted: 50, refused: 0 });
  assert.ok(most <= LIMITS.maxFailuresPerUser, `${most} checks at once`);
});

test("the line: each check that ends wakes one attempt, first come first served; a burst of n costs O(n) admissions", async () => {
  const l = new LoginLimiter();
  let admissions = 0;
  const admit = l.admit.bind(l);
  l.admit = (...args) => (admissions++, admit(...args));
  const order: number[] = [];
  const slots = Array.from({ length: 5 }, () => slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)));
  const waiting = Array.from({ length: 200 }, (_, i) =>
    l.enter("alice@example.test", "203.0.113.7", LIMITS).then((a) => {
      assert.ok(a?.kind === "admitted");
      order.push(i);
      return a.slot;
    }),
  );
  await tick();
  admissions = 0;
  slots[0]?.succeed();
  await tick();
  assert.deepEqual(order, [0], "one success lets exactly one in: the first in line");
  // Each admitted attempt succeeds in turn, letting the next in.
  for (let i = 0; i < waiting.length; i++) (await waiting[i])?.succeed();
  for (const s of slots.slice(1)) s.succeed();
  assert.deepEqual(order, Array.from({ length: 200 }, (_, i) => i));
  assert.ok(admissions <= 2 * waiting.length, `${admissions} admissions for ${waiting.length} waiting attempts`);
});

test("the line: once failures fill a limit, every attempt in line is refused at once (each passes its turn on)", async () => {
  const l = new LoginLimiter();
  const slots = Array.from({ length: 5 }, () => slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)));
  const waiting = Array.from({ length: 20 }, () => l.enter("alice@example.test", "203.0.113.7", LIMITS));
  await tick();
  for (const s of slots) s.fail();
  const outcomes = await Promise.all(waiting);
  assert.deepEqual(new Set(outcomes.map((a) => a?.kind)), new Set(["refused"]));
});

test("the line: an attempt whose session ends leaves it and takes no one's turn", async () => {
  const l = new LoginLimiter();
  const slots = Array.from({ length: 5 }, () => slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)));
  const gone = new AbortController();
  const first = l.enter("alice@example.test", "203.0.113.7", LIMITS, gone.signal);
  const second = l.enter("alice@example.test", "203.0.113.7", LIMITS);
  await tick();
  gone.abort();
  assert.equal(await first, null, "the aborted attempt gets neither a slot nor a refusal");
  slots[0]?.succeed();
  assert.equal((await second)?.kind, "admitted", "the freed slot goes to the next in line");
  // Aborted after being woken but before asking again: the turn is passed on.
  const late = new AbortController();
  const third = l.enter("alice@example.test", "203.0.113.7", LIMITS, late.signal);
  const fourth = l.enter("alice@example.test", "203.0.113.7", LIMITS);
  await tick();
  slots[1]?.succeed();
  late.abort();
  assert.equal(await third, null);
  assert.equal((await fourth)?.kind, "admitted");
});

test("a success gives its slot back; a failure keeps it", () => {
  const l = new LoginLimiter();
  const slots = Array.from({ length: 5 }, () => slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)));
  waiting(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0));
  slots[0]?.succeed();
  const again = slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0));
  again.fail();
  for (const s of slots.slice(1)) s.release();
  // Released slots are given back uncounted; ending a slot twice changes nothing.
  again.fail();
  slots[0]?.fail();
  for (let i = 0; i < 4; i++) slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)).fail();
  assert.equal(refusal(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)), "user 5 203.0.113.7");
});

test("a success starts the user name afresh at that address, but not the address itself", () => {
  const l = new LoginLimiter();
  for (let i = 0; i < 4; i++) slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)).fail();
  slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)).succeed();
  for (let i = 0; i < 5; i++) slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)).fail();
  // 4 + 5 failures from the address: one more is allowed there, for another name.
  assert.equal(refusal(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)), "user 5 203.0.113.7");
  slotOf(l.admit("bob@example.test", "203.0.113.7", LIMITS, T0)).fail();
  assert.equal(refusal(l.admit("carol@example.test", "203.0.113.7", LIMITS, T0)), "address 10 203.0.113.7");
});

test("an attacked user name is throttled for the attacking address only; the name is compared case-blind", () => {
  const l = new LoginLimiter();
  for (let i = 0; i < 5; i++) slotOf(l.admit("Alice@Example.test", "203.0.113.7", LIMITS, T0)).fail();
  assert.equal(refusal(l.admit(" alice@example.test", "203.0.113.7", LIMITS, T0)), "user 5 203.0.113.7");
  slotOf(l.admit("alice@example.test", "198.51.100.20", LIMITS, T0)).succeed();
  slotOf(l.admit("bob@example.test", "203.0.113.7", LIMITS, T0)).succeed();
});

test("windows: failures count for failure_window from the first, then start over", () => {
  const l = new LoginLimiter();
  const w = LIMITS.windowMs;
  for (let i = 0; i < 10; i++) slotOf(l.admit(`user${i}@example.test`, "203.0.113.7", LIMITS, T0 + i * 1000)).fail();
  assert.equal(refusal(l.admit("x@example.test", "203.0.113.7", LIMITS, T0 + w - 1)), "address 10 203.0.113.7");
  slotOf(l.admit("x@example.test", "203.0.113.7", LIMITS, T0 + w)).fail();
  // A check still in flight when its window ends counts in the next one.
  const slow = slotOf(l.admit("y@example.test", "198.51.100.20", LIMITS, T0));
  for (let i = 0; i < 9; i++) slotOf(l.admit(`z${i}@example.test`, "198.51.100.20", LIMITS, T0 + w)).fail();
  waiting(l.admit("q@example.test", "198.51.100.20", LIMITS, T0 + w));
  slow.fail();
  assert.equal(refusal(l.admit("q@example.test", "198.51.100.20", LIMITS, T0 + w + 1)), "address 10 198.51.100.20");
});

test("networks: an IPv4 /24 and an IPv6 /64 share one count; the next network does not", () => {
  const l = new LoginLimiter();
  const limits = { ...LIMITS, maxFailuresPerNetwork: 6 };
  for (let i = 0; i < 6; i++) slotOf(l.admit("alice@example.test", `203.0.113.${i + 1}`, limits, T0)).fail();
  assert.equal(refusal(l.admit("bob@example.test", "203.0.113.200", limits, T0)), "network 6 203.0.113.0/24");
  assert.equal(refusal(l.admit("bob@example.test", "::ffff:203.0.113.9", limits, T0)), "network 6 203.0.113.0/24");
  slotOf(l.admit("bob@example.test", "203.0.114.1", limits, T0)).succeed();

  for (let i = 0; i < 6; i++) slotOf(l.admit("alice@example.test", `2001:db8:1:2::${i + 1}`, limits, T0)).fail();
  assert.equal(refusal(l.admit("bob@example.test", "2001:db8:1:2:ffff:ffff:ffff:ffff", limits, T0)), "network 6 2001:db8:1:2::/64");
  slotOf(l.admit("bob@example.test", "2001:db8:1:3::1", limits, T0)).succeed();
});

test("an IPv4-mapped IPv6 address is the same client as its IPv4 address", () => {
  const l = new LoginLimiter();
  for (let i = 0; i < 5; i++) slotOf(l.admit("alice@example.test", i % 2 === 0 ? "203.0.113.7" : "::ffff:203.0.113.7", LIMITS, T0)).fail();
  assert.equal(refusal(l.admit("alice@example.test", "::ffff:cb00:7107", LIMITS, T0)), "user 5 203.0.113.7");
});

test("refusals of one user name from one address in one window share one tally", () => {
  const l = new LoginLimiter();
  for (let i = 0; i < 5; i++) slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)).fail();
  const tallies = [T0 + 1, T0 + 2, T0 + 3].map((t) => {
    const a = l.admit("alice@example.test", "203.0.113.7", LIMITS, t);
    assert.ok(a.kind === "refused");
    return a.tally;
  });
  assert.ok(tallies.every((t) => t === tallies[0]));
  assert.deepEqual(tallies[0], { since: T0 + 1, attempts: 3 });
  // Another name refused at the same address (its limit, not the name's) has its own tally.
  for (let i = 0; i < 5; i++) slotOf(l.admit(`x${i}@example.test`, "203.0.113.7", LIMITS, T0)).fail();
  const other = l.admit("bob@example.test", "203.0.113.7", LIMITS, T0 + 4);
  assert.ok(other.kind === "refused");
  assert.deepEqual([other.limit, other.tally], ["address", { since: T0 + 4, attempts: 1 }]);
  // The next window has a new one.
  const later = l.admit("alice@example.test", "203.0.113.7", LIMITS, T0 + LIMITS.windowMs + 10);
  assert.equal(later.kind, "admitted");
});

test("memory stays bounded however many keys an attacker makes, and the active attacker stays throttled", () => {
  const l = new LoginLimiter(1000);
  for (let i = 0; i < 10; i++) slotOf(l.admit(`guess${i}@example.test`, "203.0.113.7", LIMITS, T0)).fail();
  for (let i = 0; i < 100_000; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const a = l.admit(`u${i}@example.test`, ip, LIMITS, T0);
    if (a.kind === "admitted") a.slot.fail();
    // The attacker keeps trying, and so keeps its counter fresh.
    if (i % 100 === 0) assert.equal(refusal(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0)), "address 10 203.0.113.7");
  }
  const { users, addresses, networks } = l.sizes;
  assert.ok(users <= 1000 && addresses <= 1000 && networks <= 1000, JSON.stringify(l.sizes));
});

test("successes count for nothing", () => {
  const l = new LoginLimiter(1000);
  for (let i = 0; i < 100; i++) slotOf(l.admit("alice@example.test", "203.0.113.7", LIMITS, T0 + i)).succeed();
  for (let i = 0; i < 5_000; i++) slotOf(l.admit(`u${i}@example.test`, `10.0.${i >> 8}.${i & 255}`, LIMITS, T0)).succeed();
  const { users, addresses, networks } = l.sizes;
  assert.ok(users <= 1000 && addresses <= 1000 && networks <= 1000, JSON.stringify(l.sizes));
});

test("property: within a window, no counter ever holds more than its limit, and nothing is refused below every limit", () => {
  const limits: LimiterSettings = { maxFailuresPerIp: 4, maxFailuresPerNetwork: 6, maxFailuresPerUser: 2, windowMs: 300_000 };
  const ips = ["203.0.113.1", "203.0.113.2", "::ffff:203.0.113.2", "203.0.114.1", "2001:db8::1", "2001:db8::2"];
  const net = (ip: string): string => (ip.includes("2001") ? "v6" : ip.includes("114") ? "v4b" : "v4a");
  const addr = (ip: string): string => ip.replace("::ffff:", "");
  const op = fc.oneof(
    fc.record({ kind: fc.constant("admit" as const), user: fc.integer({ min: 0, max: 2 }), ip: fc.constantFrom(...ips) }),
    fc.record({ kind: fc.constantFrom("fail" as const, "succeed" as const, "release" as const), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const l = new LoginLimiter();
      // The model: failures and checks in flight per counter.
      const failures = new Map<string, number>();
      const open: Array<{ slot: Slot; keys: string[]; userKey: string }> = [];
      const inFlight = (k: string): number => open.filter((o) => o.keys.includes(k)).length;
      const count = (k: string): number => (failures.get(k) ?? 0) + inFlight(k);
      const maxOf = (k: string): number => (k.startsWith("u:") ? limits.maxFailuresPerUser : k.startsWith("a:") ? limits.maxFailuresPerIp : limits.maxFailuresPerNetwork);
      for (const o of ops) {
        if (o.kind === "admit") {
          const userKey = `u:${o.user}@${addr(o.ip)}`;
          const keys = [userKey, `a:${addr(o.ip)}`, `n:${net(o.ip)}`];
          // Refused once a counter holds its limit in failures; told to wait while checks in flight fill it.
          const expected = keys.some((k) => (failures.get(k) ?? 0) >= maxOf(k)) ? "refused" : keys.some((k) => count(k) >= maxOf(k)) ? "wait" : "admitted";
          const a = l.admit(`user${o.user}@example.test`, o.ip, limits, T0);
          if (a.kind !== expected) return false;
          if (a.kind === "admitted") open.push({ slot: a.slot, keys, userKey });
        } else if (open.length > 0) {
          const [s] = open.splice(o.pick % open.length, 1);
          if (s === undefined) continue;
          if (o.kind === "fail") {
            s.slot.fail();
            for (const k of s.keys) failures.set(k, (failures.get(k) ?? 0) + 1);
          } else if (o.kind === "succeed") {
            s.slot.succeed();
            failures.delete(s.userKey);
          } else s.slot.release();
        }
        for (const k of new Set([...failures.keys(), ...open.flatMap((x) => x.keys)])) {
          if (count(k) > maxOf(k)) return false;
        }
      }
      return true;
    }),
    { seed: 20260609, numRuns: 300 },
  );
});

test("refusals of names never tried from the address add no keys and share the address's tally", () => {
  const l = new LoginLimiter();
  for (let i = 0; i < 10; i++) slotOf(l.admit(`user${i}@example.test`, "203.0.113.7", LIMITS, T0)).fail();
  const before = l.sizes.users;
  const tallies = new Set<unknown>();
  for (let i = 0; i < 1000; i++) {
    const a = l.admit(`cycled${i}@example.test`, "203.0.113.7", LIMITS, T0);
    assert.ok(a.kind === "refused" && a.limit === "address");
    tallies.add(a.tally);
  }
  assert.equal(l.sizes.users, before, "no user-name key per refused name");
  assert.equal(tallies.size, 1, "one history row for the lot");
  const [tally] = tallies as Set<{ attempts: number }>;
  assert.equal(tally?.attempts, 1000);
  // A name that was tried from there keeps a row of its own.
  const tried = l.admit("user3@example.test", "203.0.113.7", LIMITS, T0);
  assert.ok(tried.kind === "refused");
  assert.ok(!tallies.has(tried.tally));
});

test("a name that signed in from an address is held to its own limit there: neighbours filling the network's or the address's limit do not lock it out", () => {
  const l = new LoginLimiter();
  slotOf(l.admit("alice@example.test", "203.0.113.50", LIMITS, T0)).succeed();
  // An attacker fills the /24 with failures from other addresses, and alice's own address too.
  for (let i = 0; i < 30; i++) slotOf(l.admit(`guess${i}@example.test`, `203.0.113.${100 + (i % 3)}`, LIMITS, T0 + 1)).fail();
  for (let i = 0; i < 10; i++) slotOf(l.admit(`guess${i}@example.test`, "203.0.113.50", { ...LIMITS, maxFailuresPerNetwork: 1000 }, T0 + 2)).fail();
  assert.equal(refusal(l.admit("bob@example.test", "203.0.113.50", LIMITS, T0 + 3)), "address 10 203.0.113.50");
  assert.equal(refusal(l.admit("bob@example.test", "203.0.113.77", LIMITS, T0 + 3)), "network 30 203.0.113.0/24");
  // Alice, known at .50, still gets a check there, and her own limit still holds.
  for (let i = 0; i < LIMITS.maxFailuresPerUser; i++) slotOf(l.admit("alice@example.test", "203.0.113.50", LIMITS, T0 + 4)).fail();
  assert.equal(refusal(l.admit("alice@example.test", "203.0.113.50", LIMITS, T0 + 4)), `user ${LIMITS.maxFailuresPerUser} 203.0.113.50`);
  // Not at an address she has not signed in from, and not once the memory has lapsed.
  assert.equal(refusal(l.admit("alice@example.test", "203.0.113.77", LIMITS, T0 + 5)), "network 30 203.0.113.0/24");
  const lapsed = new LoginLimiter();
  slotOf(lapsed.admit("alice@example.test", "203.0.113.50", LIMITS, T0)).succeed();
  for (let i = 0; i < 10; i++) slotOf(lapsed.admit(`guess${i}@example.test`, "203.0.113.50", LIMITS, T0 + KNOWN_FOR_MS)).fail();
  assert.equal(refusal(lapsed.admit("alice@example.test", "203.0.113.50", LIMITS, T0 + KNOWN_FOR_MS)), "address 10 203.0.113.50");
});

test("another node's outcomes count here: its failures fill the same counters, its sign-in makes the name known at that address", () => {
  const l = new LoginLimiter();
  for (let i = 0; i < LIMITS.maxFailuresPerUser; i++) l.failedElsewhere("victim@example.test", "198.51.100.7", LIMITS, T0);
  assert.match(refusal(l.admit("Victim@Example.test", "198.51.100.7", LIMITS, T0 + 1)), /^user /);
  // The same name from the owner's other address is not affected.
  assert.equal(l.admit("victim@example.test", "203.0.113.9", LIMITS, T0 + 1).kind, "admitted");
  // Failures of other names from one address fill the address's counter, as local ones do.
  for (let i = 0; i < LIMITS.maxFailuresPerIp; i++) l.failedElsewhere(`guess${i}@example.test`, "192.0.2.50", LIMITS, T0);
  assert.match(refusal(l.admit("new@example.test", "192.0.2.50", LIMITS, T0 + 1)), /^address /);
  // The owner signed in from that address on another node: here too it answers to its own counter only.
  l.succeededElsewhere("owner@example.test", "192.0.2.50", LIMITS, T0 + 2);
  assert.equal(l.admit("owner@example.test", "192.0.2.50", LIMITS, T0 + 3).kind, "admitted");
  // Past the window the failures are gone, as local ones are.
  assert.equal(l.admit("new@example.test", "192.0.2.50", LIMITS, T0 + LIMITS.windowMs + 1).kind, "admitted");
});
