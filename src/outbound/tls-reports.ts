/**
 * Our daily TLS reports (RFC 8460 §4, §5). For one UTC day, every destination domain with delivery
 * attempts (relay routes aside: their next hop is not the domain's MX) is looked at once: attempts
 * that never came to TLS give no report; otherwise the domain's `_smtp._tls` record is looked up,
 * and each rua destination gets the day's report — a mailto: one as a mail in our own queue (null
 * sender, `TLS-Required: No`), an https: one POSTed (tls-report-upload.ts).
 *
 * A row per day and domain (`tls_reports_sent`) makes it happen once, across restarts and crashes:
 * the report mails and the row commit together, so a crash leaves either both or neither; a second
 * process that got there first (the CLI beside the server) makes this one stand back. A DNS failure
 * is tried again later, a missing record is remembered as such; an upload that fails is tried again
 * (at most MAX_TRIES times, each a backoff step later), and a crash between a POST and its row can
 * POST once more — with the same report id, which is how a receiver knows it again (§4.4).
 */
import { sql, type Kysely, type Selectable, type Transaction } from "kysely";
import type { Config } from "../config/index.ts";
import { signForQueue } from "../dkim/index.ts";
import { DnsError, type Resolver } from "../dns/index.ts";
import type { Logger } from "../log/index.ts";
import { enqueue, newQueueId } from "../queue/index.ts";
import { commitWithBlobs, engineOf, type Database, type Store, type WrittenBlob } from "../store/index.ts";
import { buildReport, reportBody, reportTotals, reportDestinations, reportMessage, tlsRptName, utcDayStart, type AttemptFacts, type PolicyDescription, type TlsReport } from "../tls-rpt/index.ts";
import type { DeliveryProblem } from "../bounce/index.ts";
import { uploadReport } from "./tls-report-upload.ts";

const DAY_MS = 86_400_000;
/** Lookups of a record and uploads of a report, each at most this often. */
const MAX_TRIES = 6;
const RETRY_BASE_MS = 30 * 60_000;
/** Domains looked up and sent at once. */
const CONCURRENCY = 8;
/**
 * Destinations of one record served, at most (the first ones): a record is anyone's to write, and
 * a long rua list must not make this server mail or POST a day's report to a crowd.
 */
const MAX_DESTINATIONS = 5;

export interface ReportContext {
  store: Store;
  config: Config;
  resolver: Resolver;
  /** `[delivery] ca_file`'s trust anchors, for the uploads. */
  ca: readonly string[];
  /** The server's calendar time (src/clock): it decides which day is over. */
  now: number;
  log?: Logger;
  /** Called once a report mail is queued (wakes the runner). */
  queued?: () => void;
}

interface ReportDestinationState {
  kind: "mailto" | "https";
  target: string;
  /** "queued" (a mail in the queue, `detail` its id), "posted", "pending" (an upload to try again), "failed". */
  outcome: "queued" | "posted" | "pending" | "failed";
  detail: string | null;
  tries: number;
}

/** One day's report for one domain, as the table keeps it (`sealpost tls-report`). */
export interface SentReport {
  day: string;
  domain: string;
  state: string;
  reportId: string | null;
  successful: number;
  failed: number;
  destinations: ReportDestinationState[];
  detail: string | null;
  updatedAt: string;
}

type Row = Selectable<Database["tls_reports_sent"]>;
type NewRow = { day: string; domain: string; state: string; report_id?: string | null; report?: string | null; successful?: number; failed?: number; destinations?: string; detail?: string | null; tries?: number; next_try_at?: number | null };

/** "2026-12-06" for a day's start. */
export function dayName(dayStart: number): string {
  return new Date(dayStart).toISOString().slice(0, 10);
}

const backoff = (tries: number): number => RETRY_BASE_MS * 2 ** Math.max(0, tries - 1);

/** Another process wrote this day's row first: nothing is sent twice. */
class AlreadyHandled extends Error {}

async function saveRow(db: Kysely<Database>, row: NewRow, now: number): Promise<void> {
  const values = { ...row, updated_at: now };
  await db
    .insertInto("tls_reports_sent")
    .values(values)
    .onConflict((oc) => oc.columns(["day", "domain"]).doUpdateSet(values))
    .execute();
}

/**
 * The day's attempts per destination domain, read grouped (a busy day's successes are a handful of
 * rows, not one per connection); relay domains left out, and so are the deliveries of our own
 * report mails (RFC 8460 §5.3: the session that delivers a report SHOULD NOT be in the next one) —
 * their queue ids are in the rows of the days before, whose reports went out on this day (and of
 * this day itself, for a calendar moved by a clock file); a NULL among them would make `not in`
 * exclude everything: none is taken.
 */
async function attemptsOfDay(db: Kysely<Database>, dayStart: number, domain?: string): Promise<Map<string, AttemptFacts[]>> {
  const columns = ["domain", "mx_host", "address", "policy_source", "outcome", "starttls_offered", "tls_version", "problem"] as const;
  const days = sql`tls_reports_sent.day >= ${dayName(dayStart - 3 * DAY_MS)} and tls_reports_sent.day <= ${dayName(dayStart)}`;
  // The destinations are a JSON array in a text column: each engine has its own way into it.
  const reportMails =
    engineOf(db) === "postgres"
      ? sql<string>`(select d ->> 'detail' from tls_reports_sent, jsonb_array_elements(tls_reports_sent.destinations::jsonb) as d
          where ${days} and d ->> 'kind' = 'mailto' and d ->> 'detail' is not null)`
      : sql<string>`(select json_extract(d.value, '$.detail') from tls_reports_sent, json_each(tls_reports_sent.destinations) as d
          where ${days} and json_extract(d.value, '$.kind') = 'mailto' and json_extract(d.value, '$.detail') is not null)`;
  const rows = await db
    .selectFrom("delivery_attempts")
    .select([...columns, (eb) => eb.fn.countAll<number>().as("n")])
    .where("time", ">=", dayStart)
    .where("time", "<", dayStart + DAY_MS)
    .where("queue_id", "not in", reportMails)
    .$if(domain !== undefined, (q) => q.where("domain", "=", domain ?? ""))
    .groupBy([...columns])
    .execute();
  const relays = new Set((await db.selectFrom("relay_domains").select("domain").execute()).map((r) => r.domain));
  const byDomain = new Map<string, AttemptFacts[]>();
  for (const r of rows) {
    if (relays.has(r.domain)) continue;
    const list = byDomain.get(r.domain) ?? [];
    list.push({
      mxHost: r.mx_host,
      address: r.address,
      tlsVersion: r.tls_version,
      starttlsOffered: r.starttls_offered === null ? null : r.starttls_offered === 1,
      outcome: r.outcome,
      problem: r.problem === null ? null : (JSON.parse(r.problem) as DeliveryProblem),
      policySource: r.policy_source,
      count: Number(r.n),
    });
    byDomain.set(r.domain, list);
  }
  return byDomain;
}

/**
 * §4.4's policy description. sts: the domain's MTA-STS policy as we hold it now (the cache the
 * delivery used), one string per line, and its MX patterns. tlsa: the MX hosts DANE applied to
 * that day, and no policy strings — the attempt log does not keep the TLSA records each session
 * was matched against, and a policy string we made up later could be one the day never saw.
 */
async function describer(db: Kysely<Database>, domain: string, attempts: readonly AttemptFacts[]): Promise<(type: string) => PolicyDescription | null> {
  const sts = await db.selectFrom("mta_sts_policies").selectAll().where("domain", "=", domain).executeTakeFirst();
  const daneHosts = [...new Set(attempts.filter((a) => a.policySource.includes("dane") && a.mxHost !== null).map((a) => a.mxHost as string))];
  return (type) => {
    if (type === "tlsa") return { strings: [], mxHost: daneHosts };
    if (type !== "sts" || sts === undefined) return null;
    const mx = JSON.parse(sts.mx) as string[];
    return { strings: ["version: STSv1", `mode: ${sts.mode}`, ...mx.map((m) => `mx: ${m}`), `max_age: ${sts.max_age}`], mxHost: mx };
  };
}

/** The report mails of `report`, one per mailto: destination, written and fsynced (the caller commits them). */
async function writeMails(ctx: ReportContext, report: TlsReport, domain: string, targets: readonly string[]): Promise<Array<{ id: string; target: string; blob: WrittenBlob }>> {
  const { store, config } = ctx;
  const written: Array<{ id: string; target: string; blob: WrittenBlob }> = [];
  try {
    for (const target of targets) {
      const message = reportMessage({ report, domain, submitter: config.hostname, from: `noreply-tls-reports@${config.hostname}`, to: target, now: ctx.now });
      const id = newQueueId();
      // Signed as it is queued, as the host name's closest hosted domain (src/dkim).
      const parts = await signForQueue(store.db, ctx.log, { id, parts: [message], source: `tls-report:${domain}` });
      written.push({ id, target, blob: await store.blobs.write(parts) });
    }
  } catch (e) {
    for (const w of written) {
      await store.blobs.remove(w.blob.name).catch(() => undefined);
      store.blobs.settle(w.blob.name);
    }
    throw e;
  }
  return written;
}

/**
 * Writes the day's row for `domain` (with the report mails' queue entries, when there are some)
 * unless another process changed it since `prev` was read (`again`: whatever it holds now).
 */
async function commitRow(ctx: ReportContext, row: NewRow, prev: Row | undefined, again: boolean, mails: ReadonlyArray<{ id: string; target: string; blob: WrittenBlob }> = []): Promise<boolean> {
  const work = async (trx: Transaction<Database>): Promise<void> => {
    if (!again) {
      const cur = await trx.selectFrom("tls_reports_sent").select(["state", "tries", "updated_at"]).where("day", "=", row.day).where("domain", "=", row.domain).executeTakeFirst();
      const unchanged = prev === undefined ? cur === undefined : cur !== undefined && cur.state === prev.state && cur.tries === prev.tries && cur.updated_at === prev.updated_at;
      if (!unchanged) throw new AlreadyHandled();
    }
    // RFC 8460 §5.3 with RFC 5321 §4.5.5: the null sender, so a report that cannot be delivered never bounces;
    // and delivered despite TLS failures (§5.3): tagged as its TLS-Required: No field says (RFC 8689 §4.1).
    for (const m of mails) await enqueue(trx, { id: m.id, from: "", recipients: [m.target], blob: m.blob.name, size: m.blob.size, source: `tls-report:${row.domain}`, now: Date.now(), ownsBlob: true, tlsRequired: "no" });
    await saveRow(trx, row, ctx.now);
  };
  try {
    await (mails.length > 0 ? commitWithBlobs(ctx.store, mails.map((m) => m.blob), work) : ctx.store.committer.submit(work));
    return true;
  } catch (e) {
    if (e instanceof AlreadyHandled) return false;
    throw e;
  }
}

/** Builds, looks up and sends one domain's report for the day (a first time, again, or after a DNS failure). */
async function sendDomain(ctx: ReportContext, dayStart: number, domain: string, attempts: readonly AttemptFacts[], prev: Row | undefined, again: boolean): Promise<void> {
  const { store, config } = ctx;
  const day = dayName(dayStart);
  const report = buildReport({
    domain,
    dayStart,
    hostname: config.hostname,
    contact: config.tls_reports.contact !== "" ? config.tls_reports.contact : `postmaster@${config.hostname}`,
    attempts,
    describe: await describer(store.db, domain, attempts),
  });
  const save = async (row: Omit<NewRow, "day" | "domain">): Promise<void> => {
    await commitRow(ctx, { day, domain, report_id: null, report: null, destinations: "[]", detail: null, tries: 0, next_try_at: null, ...row }, prev, again);
  };
  // §4: sessions are what a report counts; a day whose attempts never came to TLS has none.
  if (report === null) return save({ state: "no-sessions" });
  let txt: string[];
  try {
    txt = await ctx.resolver.txt(tlsRptName(domain));
  } catch (e) {
    const tries = (prev?.state === "dns-retry" ? prev.tries : 0) + 1;
    const detail = e instanceof DnsError ? e.message : String(e);
    ctx.log?.warn(`tls report for ${domain} (${day}): the TLS-RPT record could not be looked up${tries < MAX_TRIES ? "; trying again later" : "; given up"}`, undefined, { detail });
    return save(tries < MAX_TRIES ? { state: "dns-retry", detail, tries, next_try_at: ctx.now + backoff(tries) } : { state: "dns-failed", detail, tries });
  }
  // §3: no record, several, or none usable: the domain asks for no reports.
  const listed = reportDestinations(txt);
  if (listed === null) return save({ state: "no-record" });
  const seen = new Set<string>();
  const found = listed
    .filter((d) => {
      const key = `${d.kind} ${d.target}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, MAX_DESTINATIONS);
  const mails = await writeMails(ctx, report, domain, found.filter((d) => d.kind === "mailto").map((d) => d.target));
  const mailTo = new Map(mails.map((m) => [m.target, m]));
  const destinations: ReportDestinationState[] = found.map((d) => {
    const mail = d.kind === "mailto" ? mailTo.get(d.target) : undefined;
    return { kind: d.kind, target: d.target, outcome: mail !== undefined ? "queued" : "pending", detail: mail?.id ?? null, tries: 0 };
  });
  const uploads = destinations.some((d) => d.outcome === "pending");
  const row = { day, domain, state: uploads ? "sending" : "sent", report_id: report["report-id"], report: JSON.stringify(report), ...reportTotals(report), destinations: JSON.stringify(destinations), detail: null, tries: 0, next_try_at: uploads ? ctx.now : null };
  if (!(await commitRow(ctx, row, prev, again, mails))) return;
  if (mails.length > 0) ctx.queued?.();
  for (const m of mails) ctx.log?.info(`tls report for ${domain} (${day}) queued to ${m.target} as ${m.id}`);
  if (uploads) await uploadPending(ctx, row);
}

/** Tries the report's pending HTTPS uploads; the row says what came of them. */
async function uploadPending(ctx: ReportContext, row: { day: string; domain: string; report: string | null; destinations: string }): Promise<void> {
  const destinations = JSON.parse(row.destinations) as ReportDestinationState[];
  if (row.report === null) return;
  const body = reportBody(JSON.parse(row.report) as TlsReport);
  for (const d of destinations) {
    if (d.kind !== "https" || d.outcome !== "pending") continue;
    const r = await uploadReport(d.target, body, { resolver: ctx.resolver, ca: ctx.ca, allowPrivate: ctx.config.tls_reports.https_private });
    d.tries++;
    if (r.ok) {
      d.outcome = "posted";
      d.detail = `HTTP ${r.status}`;
      ctx.log?.info(`tls report for ${row.domain} (${row.day}) posted to ${d.target}: HTTP ${r.status}`);
    } else {
      d.detail = r.error;
      if (d.tries >= MAX_TRIES) d.outcome = "failed";
      ctx.log?.warn(`tls report for ${row.domain} (${row.day}): the upload to ${d.target} failed (${r.error})${d.outcome === "failed" ? "; given up" : "; trying again later"}`);
    }
  }
  const waiting = destinations.filter((d) => d.outcome === "pending");
  const next = waiting.length === 0 ? null : ctx.now + backoff(Math.max(...waiting.map((d) => d.tries)));
  await ctx.store.committer.submit((trx) =>
    trx
      .updateTable("tls_reports_sent")
      .set({ destinations: JSON.stringify(destinations), state: next === null ? "sent" : "sending", next_try_at: next, updated_at: ctx.now })
      .where("day", "=", row.day)
      .where("domain", "=", row.domain)
      .execute(),
  );
}

/** Runs `fn` over `items`, CONCURRENCY at a time; a failure is logged and the rest go on. */
async function each<T>(ctx: ReportContext, items: readonly T[], name: (t: T) => string, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY) {
    const batch = items.slice(i, i + CONCURRENCY);
    const results = await Promise.allSettled(batch.map(fn));
    results.forEach((r, j) => {
      if (r.status === "rejected") ctx.log?.error(`tls report for ${name(batch[j] as T)} failed; trying again at the next check`, r.reason);
    });
  }
}

/** What a pass over one day did: the domains it handled now, and the day's rows after it. */
export interface DayPass {
  handled: string[];
  rows: SentReport[];
}

/**
 * The reports of one finished day: every domain without a row, or (`again`: the CLI's re-send)
 * every domain; and the day's due retries. `domains` narrows it.
 */
export async function sendDayReports(ctx: ReportContext, dayStart: number, opts: { again?: boolean; domains?: readonly string[] } = {}): Promise<DayPass> {
  const day = dayName(dayStart);
  const byDomain = await attemptsOfDay(ctx.store.db, dayStart);
  const rows = new Map((await ctx.store.db.selectFrom("tls_reports_sent").selectAll().where("day", "=", day).execute()).map((r) => [r.domain, r]));
  const wanted = (d: string): boolean => opts.domains === undefined || opts.domains.includes(d);
  const due = (r: Row | undefined): boolean => r === undefined || (r.state === "dns-retry" && (r.next_try_at ?? 0) <= ctx.now);
  const todo = [...byDomain.keys()].filter((d) => wanted(d) && (opts.again === true || due(rows.get(d))));
  await each(ctx, todo, (d) => d, (d) => sendDomain(ctx, dayStart, d, byDomain.get(d) ?? [], rows.get(d), opts.again === true));
  const uploads = [...rows.values()].filter((r) => wanted(r.domain) && !todo.includes(r.domain) && r.state === "sending" && (r.next_try_at ?? 0) <= ctx.now);
  await each(ctx, uploads, (r) => r.domain, (r) => uploadPending(ctx, r));
  return { handled: [...todo, ...uploads.map((r) => r.domain)], rows: await sentReports(ctx.store.db, { day, ...(opts.domains !== undefined ? { domains: opts.domains } : {}) }) };
}

/** Due retries of earlier days (a DNS failure, an upload): the scheduler's second step. */
export async function retryEarlierDays(ctx: ReportContext, before: number): Promise<void> {
  const rows = await ctx.store.db
    .selectFrom("tls_reports_sent")
    .selectAll()
    .where("day", "<", dayName(before))
    .where("state", "in", ["dns-retry", "sending"])
    .where("next_try_at", "<=", ctx.now)
    .execute();
  await each(ctx, rows, (r) => r.domain, async (r) => {
    if (r.state === "sending") return uploadPending(ctx, r);
    const dayStart = Date.parse(`${r.day}T00:00:00Z`);
    const attempts = (await attemptsOfDay(ctx.store.db, dayStart, r.domain)).get(r.domain) ?? [];
    await sendDomain(ctx, dayStart, r.domain, attempts, r, false);
  });
}

/** The day before `now`'s, by the UTC calendar. */
export function previousDay(now: number): number {
  return utcDayStart(now) - DAY_MS;
}

/** The sent-reports table, newest day first: of one day, or of the days since `sinceDay`. */
export async function sentReports(db: Kysely<Database>, filter: { day?: string; sinceDay?: string; domains?: readonly string[] }): Promise<SentReport[]> {
  const rows = await db
    .selectFrom("tls_reports_sent")
    .selectAll()
    .$if(filter.day !== undefined, (q) => q.where("day", "=", filter.day ?? ""))
    .$if(filter.sinceDay !== undefined, (q) => q.where("day", ">=", filter.sinceDay ?? ""))
    .$if(filter.domains !== undefined, (q) => q.where("domain", "in", [...(filter.domains ?? []), ""]))
    .orderBy("day", "desc")
    .orderBy("domain")
    .execute();
  return rows.map((r) => ({
    day: r.day,
    domain: r.domain,
    state: r.state,
    reportId: r.report_id,
    successful: r.successful,
    failed: r.failed,
    destinations: JSON.parse(r.destinations) as ReportDestinationState[],
    detail: r.detail,
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}
