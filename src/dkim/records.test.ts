import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDnsServer, type DnsServer, type Zone } from "../../test/dns-server.ts";
import { addDomain, checkPublished, domainChanges, zoneLine } from "../directory/index.ts";
import { createResolver, type ZoneResolver } from "../dns/index.ts";
import { createLogger } from "../log/index.ts";
import { type Store } from "../store/index.ts";
import { activateIfPublished, dkimTxtRecords, keyRecords, listKeys, rotateKeys, type DkimKey, type DkimRecord, type RecordCheck } from "./index.ts";
import { activatePublished } from "./watch.ts";
import { openTestStore } from "../../test/support/postgres.ts";

let dns: DnsServer;
let resolver: ZoneResolver;
let check: RecordCheck;
let dir: string;
let store: Store;

before(async () => {
  dns = await startDnsServer({});
  resolver = createResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 });
  check = (records) => checkPublished(records, resolver);
  dir = mkdtempSync(join(tmpdir(), "sealpost-dkim-records-"));
  store = await openTestStore(dir);
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  await dns.close();
});

/** The strings of a record as `sealpost domain dkim` prints it (directory's zoneLine), as an operator pastes them into a zone. */
function printedStrings(r: DkimRecord): string[] {
  const data = zoneLine(r).split(" IN TXT   ")[1]?.split(" ; ")[0] ?? "";
  return [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? "").replace(/\\(.)/g, "$1"));
}

/** The zone a DNS host serves after the operator pasted `records`. */
const published = (records: readonly DkimRecord[]): Zone => Object.fromEntries(records.map((r) => [r.name, { TXT: [printedStrings(r)] }]));

const key = (over: Partial<DkimKey>): DkimKey => ({ selector: "sp2026a-ed", algorithm: "ed25519", state: "active", publicKey: "AAAA", createdAt: 0, activatedAt: 0, retiredAt: null, ...over });

test("a key's record is v=DKIM1 with its k= and p=; printed, an RSA-2048 key's takes two strings of at most 255 that join back to it", async () => {
  await addDomain(store.db, "print.example");
  const records = await dkimTxtRecords(store.db, "print.example");
  const [ed, rsa] = records;
  assert.ok(ed !== undefined && rsa !== undefined);
  assert.match(ed.name, /^sp\d{4}a-ed\._domainkey\.print\.example\.$/);
  assert.match(ed.value, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);
  assert.match(rsa.value, /^v=DKIM1; k=rsa; p=MII[A-Za-z0-9+/=]+$/);
  assert.deepEqual(printedStrings(ed), [ed.value]);
  const strings = printedStrings(rsa);
  assert.equal(strings.length, 2);
  assert.equal(strings[0]?.length, 255);
  assert.equal(strings.join(""), rsa.value);
});

test("the records list active and pending keys, and retired ones for seven days, each saying what to do", () => {
  const day = 86_400_000;
  const retiredAt = Date.UTC(2026, 0, 10);
  const keys = [
    key({ selector: "sp2026b-ed", state: "pending" }),
    key({ selector: "sp2026a-ed", state: "active" }),
    key({ selector: "sp2025a-ed", state: "retired", retiredAt }),
  ];
  const soon = keyRecords("example.org", keys, retiredAt + 6 * day);
  assert.deepEqual(soon.map((r) => r.name.split(".")[0]), ["sp2026b-ed", "sp2026a-ed", "sp2025a-ed"]);
  assert.match(soon[0]?.why ?? "", /not signing yet: publish it; it signs once Sealpost sees it in DNS, or after "sealpost domain dkim example\.org --activate"/);
  assert.match(soon[1]?.why ?? "", /^signs example\.org's mail \(ed25519-sha256\)$/);
  assert.match(soon[2]?.why ?? "", /^retired 2026-01-10, signs no more: keep it until 2026-01-17/);
  assert.deepEqual(keyRecords("example.org", keys, retiredAt + 7 * day).map((r) => r.name.split(".")[0]), ["sp2026b-ed", "sp2026a-ed"]);
});

test("a pending generation signs only once the resolver sees both its records as printed; a failed lookup activates nothing", async () => {
  await addDomain(store.db, "rotate.example");
  const gen = await rotateKeys(store.db, "rotate.example", "cli:root");
  const records = await dkimTxtRecords(store.db, "rotate.example");
  const ofGen = records.filter((r) => r.name.startsWith(gen));
  const ed = ofGen.find((r) => r.name.startsWith(`${gen}-ed.`));
  const rsa = ofGen.find((r) => r.name.startsWith(`${gen}-rsa.`));
  assert.ok(ed !== undefined && rsa !== undefined);

  // Nothing published: the lookups find no such name.
  let seen = await activateIfPublished(store.db, "rotate.example", check, "test");
  assert.equal(seen.activated, null);
  assert.deepEqual([...seen.published.values()], ["missing", "missing", "missing", "missing"]);

  // The Ed25519 record alone, and the RSA name serving another key: not yet.
  dns.setZone({ ...published([ed]), [rsa.name]: { TXT: ["v=DKIM1; k=rsa; p=MIIBIjANBgkq"] } });
  seen = await activateIfPublished(store.db, "rotate.example", check, "test");
  assert.equal(seen.activated, null);
  assert.equal(seen.published.get(`${gen}-ed`), "published");
  assert.equal(seen.published.get(`${gen}-rsa`), "different");

  // The resolver fails (SERVFAIL): not checked, still pending.
  dns.setZone({ ...published([ed]), [rsa.name]: { servfail: true } });
  seen = await activateIfPublished(store.db, "rotate.example", check, "test");
  assert.equal(seen.published.get(`${gen}-rsa`), "not-checked");
  assert.equal(seen.activated, null);
  assert.equal((await listKeys(store.db, "rotate.example")).filter((k) => k.state === "pending").length, 2);

  // Both as printed, the RSA one in two strings: the server's watch activates them.
  dns.setZone(published(ofGen));
  const lines: string[] = [];
  const log = createLogger({ write: (l) => void lines.push(l) });
  assert.deepEqual(await activatePublished(store.db, check, log), ["rotate.example"]);
  const keys = await listKeys(store.db, "rotate.example");
  assert.deepEqual(keys.map((k) => [k.selector.startsWith(gen), k.state]), [[true, "active"], [true, "active"], [false, "retired"], [false, "retired"]]);
  assert.match(lines.join(""), new RegExp(`rotate\\.example's keys ${gen} sign from now`));
  assert.deepEqual(await activatePublished(store.db, check, log), [], "nothing pending any more");
  const [latest] = await domainChanges(store.db, "rotate.example");
  assert.deepEqual([latest?.setting, latest?.value, latest?.changedBy], ["dkim_published", `${gen}-ed, ${gen}-rsa`, "sealpost"]);
});

test("a record may fold its key with whitespace and leave out v= and k= for RSA (RFC 6376 §3.6.1)", async () => {
  await addDomain(store.db, "folded.example");
  const gen = await rotateKeys(store.db, "folded.example", "cli:root");
  const keys = (await listKeys(store.db, "folded.example")).filter((k) => k.state === "pending");
  const zone: Zone = {};
  for (const k of keys) {
    const p = k.publicKey.replace(/(.{40})/g, "$1 ");
    zone[`${k.selector}._domainkey.folded.example`] = { TXT: [k.algorithm === "rsa" ? [`p=${p.slice(0, 200)}`, p.slice(200)] : `v=DKIM1;k=ed25519;  p= ${p}`] };
  }
  dns.setZone(zone);
  assert.equal((await activateIfPublished(store.db, "folded.example", check, "test")).activated, gen);
});
