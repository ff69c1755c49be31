/**
 * Whether the records `sealpost domain dns` prints are published: each looked up through the
 * configured resolver and compared with what was found — by meaning where the record's RFC says
 * how receivers read it (SPF terms, DMARC, TLS-RPT and DKIM tags in any order and spacing, an MX
 * set by its hosts, a name's CNAME or the same addresses), exactly otherwise (SRV data).
 */
import { DnsError, type ZoneResolver } from "../dns/index.ts";
import { parseTxtRecord } from "../mta-sts/index.ts";
import type { DnsRecord } from "./dns-records.ts";

type Published =
  | { status: "published" }
  | { status: "missing" }
  /** What was found instead, in zone-file form. */
  | { status: "different"; found: string[] }
  /** The lookup failed (a timeout, SERVFAIL): one line. */
  | { status: "not-checked"; error: string };

const PUBLISHED: Published = { status: "published" };
const MISSING: Published = { status: "missing" };
const different = (found: readonly string[]): Published => ({ status: "different", found: [...found] });

/** A name as DNS compares it: absolute, case aside. */
const canonical = (name: string): string => `${name.replace(/\.$/, "")}.`.toLowerCase();
/** The name to ask for, as errors will show it: without the trailing dot. */
const lookupName = (r: DnsRecord): string => r.name.replace(/\.$/, "");

/** Every record looked up at once; a failed lookup marks its record only. */
export function checkPublished(records: readonly DnsRecord[], resolver: ZoneResolver): Promise<Published[]> {
  return Promise.all(
    records.map((r) =>
      checkRecord(r, resolver).catch((e: unknown): Published => {
        if (e instanceof DnsError && e.kind === "not-found") return MISSING;
        return { status: "not-checked", error: (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "" };
      }),
    ),
  );
}

/** The mark `zoneLines` puts before a record's purpose. */
export function publishedMark(p: Published): string {
  switch (p.status) {
    case "different":
      return `different: found ${p.found.length === 1 ? "" : `${p.found.length} records, `}${p.found.map((f) => JSON.stringify(f)).join(", ")}`;
    case "not-checked":
      return `not checked: ${p.error}`;
    default:
      return p.status;
  }
}

function checkRecord(r: DnsRecord, resolver: ZoneResolver): Promise<Published> {
  switch (r.type) {
    case "MX":
      return checkMx(r, resolver);
    case "SRV":
      return checkSrv(r, resolver);
    case "CNAME":
      return checkCname(r, resolver);
    case "TXT":
      return checkTxt(r, resolver);
  }
}

/** The MX set must be this host (RFC 5321 §5.1: any other MX would get the domain's mail too); its priority does not matter alone. */
async function checkMx(r: DnsRecord, resolver: ZoneResolver): Promise<Published> {
  const host = canonical(r.value.split(" ")[1] ?? "");
  const found = await resolver.mx(lookupName(r));
  if (found.length === 0) return MISSING;
  // RFC 7505: a null MX is the root, "" from the resolver.
  if (found.every((m) => canonical(m.exchange) === host)) return PUBLISHED;
  return different(found.map((m) => `${m.priority} ${m.exchange === "" ? "." : `${m.exchange}.`}`));
}

/** SRV data exactly (RFC 2782), the target's case apart; one record at the name. */
async function checkSrv(r: DnsRecord, resolver: ZoneResolver): Promise<Published> {
  const found = (await resolver.srv(lookupName(r))).map((s) => `${s.priority} ${s.weight} ${s.port} ${s.target === "" ? "." : `${s.target}.`}`);
  if (found.length === 0) return MISSING;
  return found.length === 1 && found[0]?.toLowerCase() === r.value.toLowerCase() ? PUBLISHED : different(found);
}

/** The CNAME to this host — or, by meaning, addresses of its own that are this host's. */
async function checkCname(r: DnsRecord, resolver: ZoneResolver): Promise<Published> {
  const target = await resolver.cname(lookupName(r));
  if (target !== null) return canonical(target) === canonical(r.value) ? PUBLISHED : different([`CNAME ${target}.`]);
  const [own, host] = await Promise.all([resolver.addresses(lookupName(r)), resolver.addresses(r.value)]);
  if (own.length === 0) return MISSING;
  const same = own.length === host.length && own.every((a) => host.includes(a));
  return same ? PUBLISHED : different(own);
}

/**
 * How receivers read each TXT record we publish, told by its version tag: which of the name's
 * records they take (the others are discarded, and all but one is an error: RFC 7208 §4.5, RFC 7489
 * §6.6.3, RFC 8461 §3.1, RFC 8460 §3), and when two of them mean the same.
 */
const TXT_KINDS: ReadonlyArray<{ version: RegExp; same: (ours: string, found: string) => boolean }> = [
  { version: /^v=spf1(?: |$)/i, same: (a, b) => sameList(spfTerms(a), spfTerms(b)) },
  { version: /^v[ \t]*=[ \t]*DMARC1[ \t]*(?:;|$)/, same: (a, b) => dmarcPolicy(a) === dmarcPolicy(b) },
  { version: /^v=STSv1[ \t]*;/, same: (a, b) => parseTxtRecord(a)?.id === parseTxtRecord(b)?.id },
  { version: /^v=TLSRPTv1[ \t]*(?:;|$)/, same: (a, b) => sameList(reportUris(a), reportUris(b)) },
];
/** RFC 6376 §3.6.2.2: a DKIM key's name holds its key record only (`v=` is optional). */
const DKIM = { version: /^/, same: (a: string, b: string) => dkimKey(a) === dkimKey(b) };

async function checkTxt(r: DnsRecord, resolver: ZoneResolver): Promise<Published> {
  const kind = TXT_KINDS.find((k) => k.version.test(r.value)) ?? DKIM;
  const found = (await resolver.txt(lookupName(r))).filter((t) => kind.version.test(t));
  if (found.length === 0) return MISSING;
  return found.length === 1 && found[0] !== undefined && kind.same(r.value, found[0]) ? PUBLISHED : different(found);
}

const sameList = (a: readonly string[] | null, b: readonly string[] | null): boolean => a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 7208 §4.6.1: terms apart by spaces, mechanism names case-insensitive, "+" the default qualifier (§4.6.2); their order counts. */
function spfTerms(text: string): string[] {
  return text.trim().toLowerCase().split(/ +/).map((t) => t.replace(/^\+/, ""));
}

/**
 * A tag=value list (RFC 6376 §3.2, which DMARC §6.4 and TLS-RPT §3 share): white space around
 * names, "=" and ";" is not part of them; a trailing ";" is allowed. Null when a part has no "="
 * or a name repeats.
 */
function tags(text: string): Map<string, string> | null {
  const list = new Map<string, string>();
  for (const part of text.split(";")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    if (eq < 0 || name === "" || list.has(name)) return null;
    list.set(name, part.slice(eq + 1).trim());
  }
  return list;
}

/** RFC 7489 §6.3: what a DMARC record asks of receivers, with its defaults (sp is p, alignment relaxed, pct 100); the report tags aside. */
function dmarcPolicy(text: string): string | null {
  const t = tags(text);
  if (t === null) return null;
  // §6.4's ABNF literals are case-insensitive: "P=Reject" is p=reject.
  const get = (name: string): string | undefined => [...t].find(([k]) => k.toLowerCase() === name)?.[1].toLowerCase();
  const p = get("p");
  return p === undefined ? null : [p, get("sp") ?? p, get("adkim") ?? "r", get("aspf") ?? "r", get("pct") ?? "100"].join(" ");
}

/** RFC 8460 §3: the rua URIs, comma-separated, in any order. */
function reportUris(text: string): string[] | null {
  const rua = tags(text)?.get("rua");
  return rua === undefined ? null : rua.split(",").map((u) => u.trim()).sort();
}

/** RFC 6376 §3.6.1: the key's tags in any order, `k` rsa unless said, the base64 key without its white space, notes (`n`) aside. */
function dkimKey(text: string): string | null {
  const t = tags(text);
  if (t === null || (t.has("v") && t.get("v") !== "DKIM1")) return null;
  t.delete("v");
  t.delete("n");
  t.set("k", t.get("k") ?? "rsa");
  t.set("p", (t.get("p") ?? "").replace(/[ \t\r\n]/g, ""));
  return [...t].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(";");
}
