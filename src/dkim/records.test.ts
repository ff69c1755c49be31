import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDnsServer, type DnsServer, type Zone } from "../../test/dns-server.ts";
import { addDomain, domainChanges } from "../directory/index.ts";
import { createResolver, type Resolver } from "../dns/index.ts";
import { createLogger } from "../log/index.ts";
import { openStore, type Store } from "../store/index.ts";
import { checkPublished, dkimTxtRecords, keyRecords, listKeys, rotateKeys, type DkimKey, type DkimRecord } from "./index.ts";
import { txtStrings } from "./records.ts";
import { activatePublished } from "./watch.ts";

let dns: DnsServer;
let resolver: Resolver;
let dir: string;
let store: Store;

before(async () => {
  dns = await startDnsServer({});
  resolver = createResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 });
  dir = mkdtempSync(join(tmpdir(), "sealpost-dkim-records-"));
  store = await openStore(dir);
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  await dns.close();
});

/** The strings of a zone-file TXT value, as an operator's DNS server would serve them. */
function zoneStrings(value: string): string[] {
  return [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? "").replace(/\\(.)/g, "$1"));
}

/** The zone a DNS host serves after the operator pasted `records`. */
const published = (records: readonly DkimRecord[]): Zone => Object.fromEntries(records.map((r) => [r.name, { TXT: [zoneStrings(r.value)] }]));

const key = (over: Partial<DkimKey>): DkimKey => ({ selector: "sp2026a-ed", algorithm: "ed25519", state: "active", publicKey: "AAAA", createdAt: 0, activatedAt: 0, retiredAt: null, ...over });

test("TXT strings hold at most 255 characters and join back to the record; the zone form quotes each", () => {
  assert.deepEqual(txtStrings("short"), ["short"]);
  const long = "x".repeat(600);
  const parts = txtStrings(long);
  assert.deepEqual(parts.map((p) => p.length), [255, 255, 90]);
  assert.equal(parts.join(""), long);
  const [rec] = keyRecords("example.org", [key({ selector: "s-rsa", algorithm: "rsa", publicKey: "A".repeat(392) })]);
  assert.ok(rec !== undefined);
  assert.equal(rec.name, "s-rsa._domainkey.example.org.");
  assert.equal(rec.text, `v=DKIM1; k=rsa; p=${"A".repeat(392)}`);
  assert.match(rec.value, /^"v=DKIM1; k=rsa; p=A+" "A+"$/);
  assert.deepEqual(zoneStrings(rec.value).map((s) => s.length), [255, rec.text.length - 255]);
  assert.equal(zoneStrings(rec.value).join(""), rec.text);
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
  assert.equal(zoneStrings(rsa.value).length, 2, "the RSA record takes two strings");

  // Nothing published: the lookups find no such name.
  let check = await checkPublished(store.db, resolver, "rotate.example", "test");
  assert.equal(check.activated, null);
  assert.deepEqual([...check.published.values()], ["no", "no", "no", "no"]);

  // The Ed25519 record alone, and the RSA name serving another key: not yet.
  dns.setZone({ ...published([ed]), [rsa.name]: { TXT: ["v=DKIM1; k=rsa; p=MIIBIjANBgkq"] } });
  check = await checkPublished(store.db, resolver, "rotate.example", "test");
  assert.equal(check.activated, null);
  assert.equal(check.published.get(`${gen}-ed`), "yes");
  assert.equal(check.published.get(`${gen}-rsa`), "no");

  // The resolver fails (SERVFAIL): unknown, still pending.
  dns.setZone({ ...published([ed]), [rsa.name]: { servfail: true } });
  check = await checkPublished(store.db, resolver, "rotate.example", "test");
  assert.equal(check.published.get(`${gen}-rsa`), "unknown");
  assert.equal(check.activated, null);
  assert.equal((await listKeys(store.db, "rotate.example")).filter((k) => k.state === "pending").length, 2);

  // Both as printed, the RSA one in two strings: the server's watch activates them.
  dns.setZone(published(ofGen));
  const lines: string[] = [];
  const log = createLogger({ write: (l) => void lines.push(l) });
  assert.deepEqual(await activatePublished(store.db, resolver, log), ["rotate.example"]);
  const keys = await listKeys(store.db, "rotate.example");
  assert.deepEqual(keys.map((k) => [k.selector.startsWith(gen), k.state]), [[true, "active"], [true, "active"], [false, "retired"], [false, "retired"]]);
  assert.match(lines.join(""), new RegExp(`rotate\\.example's keys ${gen} sign from now`));
  assert.deepEqual(await activatePublished(store.db, resolver, log), [], "nothing pending any more");
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
    zone[`${k.selector}._domainkey.folded.example`] = { TXT: [k.algorithm === "rsa" ? txtStrings(`p=${p}`) : `v=DKIM1;k=ed25519;  p= ${p}`] };
  }
  dns.setZone(zone);
  const check = await checkPublished(store.db, resolver, "folded.example", "test");
  assert.equal(check.activated, gen);
});
