/**
 * The checker (`/check`), for every signed-in account: a server (host[:port], STARTTLS protocol or
 * automatic from the port) or a domain's MX hosts, checked as `sealpost check` and `sealpost check
 * --mx` check them, the report shown (POST, then 303 to the report's page) and downloadable as the
 * same JSON as `--json`. Reports are kept in memory for a short time, each for its account only.
 *
 * Limits: `[web] check_per_hour` starts per account per hour, one running check per account and
 * a few in all (CheckDesk), a deadline on every check, and its probe concurrency bounded.
 * Only administrators may probe private, loopback, link-local and other special-purpose addresses:
 * the host is resolved first, every address it has is judged, and the check connects only to the
 * address judged (the host name goes as SNI), so a second, different answer (DNS rebinding) is
 * never asked for. For a domain, every MX host is judged the same way, and the check's own look-ups
 * go through a resolver that refuses such addresses.
 */
import { isIP } from "node:net";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { SignedIn } from "../auth/index.ts";
import type { CheckOptions, Target } from "../check/index.ts";
import { createResolver, parseDnsServer, type Resolver } from "../dns/index.ts";
import { CheckDesk, type KeptReport, type Refusal } from "./check-desk.ts";
import { mxSections } from "./check-mx-view.ts";
import { reportSections, targetLine } from "./check-view.ts";
import type { WebDeps } from "./deps.ts";
import { requireUser } from "./guards.ts";
import { html, type Html } from "./html.ts";
import { csrfField, notice, sendPage } from "./page.ts";

type CheckRoom = typeof import("../check/index.ts");

/** A whole check, MX hosts included, ends by then (its report says it was aborted). */
const DEADLINE_MS = 60_000;
/** Per network step (connect, each reply, each handshake), as the CLI's default. */
const STEP_TIMEOUT_MS = 5_000;
/** Probe connections open at once per host, as the CLI's default. */
const PROBE_CONCURRENCY = 8;

const CHOICES = ["auto", "tls", "smtp", "imap", "pop3"] as const;
type Choice = (typeof CHOICES)[number];
const isChoice = (v: unknown): v is Choice => typeof v === "string" && (CHOICES as readonly string[]).includes(v);

interface FormValues {
  target: string;
  starttls: Choice;
  domain: string;
}

const BODY_SCHEMA = {
  body: {
    type: "object",
    properties: { target: { type: "string", maxLength: 300 }, starttls: { type: "string", maxLength: 8 }, domain: { type: "string", maxLength: 300 }, _csrf: { type: "string" } },
  },
} as const;

const EMPTY: FormValues = { target: "", starttls: "auto", domain: "" };

function formPage(req: FastifyRequest, reply: FastifyReply, deps: WebDeps, message: Html | "" = "", values = EMPTY, status = 200): FastifyReply {
  const t = req.t.check;
  const admin = req.user?.role === "admin";
  const options = CHOICES.map((c) => html`<option value="${c}"${c === values.starttls ? html` selected` : ""}>${t.starttlsOptions[c]}</option>`);
  const main = html`${message}<p>${t.intro}</p>
    <p class="muted">${t.limits(deps.checksPerHour())}${admin ? "" : html` ${t.adminOnly}`}</p>
    <section aria-labelledby="server"><h2 id="server">${t.serverTitle}</h2>
      <form method="post" action="/check" class="stack">${csrfField(reply)}
        <label>${t.target}<input name="target" required maxlength="300" autocomplete="off" spellcheck="false" value="${values.target}" aria-describedby="target-help"></label>
        <p id="target-help" class="muted">${t.targetHelp}</p>
        <label>${t.starttls}<select name="starttls">${options}</select></label>
        <button type="submit">${t.runTarget}</button></form></section>
    <section aria-labelledby="mx"><h2 id="mx">${t.mxTitle}</h2>
      <form method="post" action="/check/mx" class="stack">${csrfField(reply)}
        <label>${t.domain}<input name="domain" required maxlength="300" autocomplete="off" spellcheck="false" value="${values.domain}" aria-describedby="domain-help"></label>
        <p id="domain-help" class="muted">${t.domainHelp}</p>
        <button type="submit">${t.runMx}</button></form></section>`;
  return sendPage(req, reply, t.title, main, status);
}

/** The options every check runs with: a deadline, and the end of the check when the browser goes away. */
function probeOptions(reply: FastifyReply): CheckOptions {
  const gone = new AbortController();
  reply.raw.once("close", () => gone.abort());
  return { timeoutMs: STEP_TIMEOUT_MS, concurrency: PROBE_CONCURRENCY, ca: [], signal: AbortSignal.any([AbortSignal.timeout(DEADLINE_MS), gone.signal]) };
}

/** The `[dns]` servers, as the server's outbound asks them. */
function resolverFor(deps: WebDeps): { resolver: Resolver; servers: string[] } {
  const { servers, timeoutMs } = deps.dns();
  return { resolver: createResolver({ servers, timeoutMs, tries: 2 }), servers };
}

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function checkServer(check: CheckRoom, deps: WebDeps, admin: boolean, host: string, port: number, choice: Choice, opts: CheckOptions): Promise<KeptReport> {
  const access = choice === "auto" ? check.accessFor(port, undefined) : choice;
  const target: Target = { host, port, address: "", servername: isIP(host) === 0 ? host : null, access };
  const started = Date.now();
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : await resolverFor(deps).resolver.addresses(host);
  } catch (e) {
    return { kind: "target", report: check.unreachableReport(target, `cannot resolve ${host}: ${why(e)}`, started) };
  }
  // Every address of the answer, not only the one connected to (throws RestrictedAddressError).
  if (!admin) check.assertPublic(host, addresses);
  const address = addresses[0];
  if (address === undefined) return { kind: "target", report: check.unreachableReport(target, `cannot resolve ${host}: it has no address (A or AAAA)`, started) };
  // Pinned: every probe connects to this address; the name is never looked up again.
  target.address = address;
  return { kind: "target", report: await check.runCheck(target, { ...opts, startTlsIfGreeted: choice === "auto" }) };
}

async function checkDomain(check: CheckRoom, deps: WebDeps, admin: boolean, domain: string, opts: CheckOptions): Promise<KeptReport> {
  const { resolver, servers } = resolverFor(deps);
  if (!admin) await check.assertPublicMx(domain, resolver);
  const first = servers[0];
  const report = await check.runMxCheck(domain, {
    ...opts,
    // MX hosts, the MTA-STS policy host and the DANE certificate fetch all take their addresses from here.
    resolver: admin ? resolver : check.publicOnly(resolver),
    dnsServer: first !== undefined ? parseDnsServer(first) : null,
  });
  return { kind: "mx", report };
}

/** A name for the downloaded file: the target's, in letters, digits, dots and hyphens. */
function fileName(kept: KeptReport): string {
  const what = kept.kind === "mx" ? `mx-${kept.report.domain}` : `${kept.report.target.host}-${kept.report.target.port}`;
  return `sealpost-check-${what.replace(/[^A-Za-z0-9.-]+/g, "_")}.json`;
}

export function registerCheck(app: FastifyInstance, deps: WebDeps): void {
  const desk = new CheckDesk({ perHour: deps.checksPerHour });
  const csrf = app.csrfProtection.bind(app);

  function refused(req: FastifyRequest, reply: FastifyReply, why: Refusal, values: FormValues, user: SignedIn): FastifyReply {
    const t = req.t.check;
    if (why === "rate-limited") {
      reply.header("retry-after", String(desk.retryAfter(user.accountId)));
      return formPage(req, reply, deps, notice("problem", t.rateLimited(deps.checksPerHour())), values, 429);
    }
    if (why === "busy") reply.header("retry-after", "60");
    return formPage(req, reply, deps, notice("problem", why === "running" ? t.running : t.busy), values, why === "running" ? 409 : 503);
  }

  /** Takes a slot, runs `work`, keeps its report and sends the browser to it; a refused address is the form again. */
  async function run(req: FastifyRequest, reply: FastifyReply, check: CheckRoom, values: FormValues, work: (admin: boolean, opts: CheckOptions) => Promise<KeptReport>): Promise<FastifyReply> {
    const user = req.user as SignedIn;
    const slot = desk.start(user.accountId);
    if (typeof slot !== "function") return refused(req, reply, slot, values, user);
    try {
      const kept = await work(user.role === "admin", probeOptions(reply));
      return await reply.redirect(`/check/report/${desk.keep(user.accountId, kept)}`, 303);
    } catch (e) {
      if (!(e instanceof check.RestrictedAddressError)) throw e;
      const t = req.t.check;
      return formPage(req, reply, deps, notice("problem", t.refused(e.host, e.address, t.scopes[e.scope])), values, 403);
    } finally {
      slot();
    }
  }

  app.get("/check", { preHandler: requireUser }, (req, reply) => formPage(req, reply, deps));

  app.post<{ Body: { target?: string; starttls?: string } }>("/check", { schema: BODY_SCHEMA, preHandler: [requireUser, csrf] }, async (req, reply) => {
    const values: FormValues = { target: (req.body.target ?? "").trim(), starttls: isChoice(req.body.starttls) ? req.body.starttls : "auto", domain: "" };
    // The checker is loaded when a check runs, not with the server.
    const check = await import("../check/index.ts");
    let parsed: { host: string; port: number | null };
    try {
      parsed = check.parseTarget(values.target);
    } catch (e) {
      if (e instanceof check.TargetError) return formPage(req, reply, deps, notice("problem", req.t.check.invalidTarget), values, 400);
      throw e;
    }
    const { host, port } = parsed;
    return run(req, reply, check, values, (admin, opts) => checkServer(check, deps, admin, host, port ?? 25, values.starttls, opts));
  });

  app.post<{ Body: { domain?: string } }>("/check/mx", { schema: BODY_SCHEMA, preHandler: [requireUser, csrf] }, async (req, reply) => {
    const domain = (req.body.domain ?? "").trim().toLowerCase().replace(/\.$/, "");
    const values: FormValues = { target: "", starttls: "auto", domain };
    const check = await import("../check/index.ts");
    if (!check.isDomainName(domain)) return formPage(req, reply, deps, notice("problem", req.t.check.invalidDomain), values, 400);
    return run(req, reply, check, values, (admin, opts) => checkDomain(check, deps, admin, domain, opts));
  });

  app.get<{ Params: { id: string } }>("/check/report/:id", { preHandler: requireUser }, (req, reply) => {
    const user = req.user as SignedIn;
    const t = req.t;
    const c = t.check;
    const json = req.params.id.endsWith(".json");
    const id = json ? req.params.id.slice(0, -".json".length) : req.params.id;
    const kept = desk.find(user.accountId, id);
    if (kept === undefined) return sendPage(req, reply, t.errors.notFound, html`${notice("problem", c.gone)}<p><a href="/check">${c.again}</a></p>`, 404);
    if (json) {
      return reply
        .header("content-type", "application/json; charset=utf-8")
        .header("content-disposition", `attachment; filename="${fileName(kept)}"`)
        .header("cache-control", "no-store")
        .send(`${JSON.stringify(kept.report, null, 2)}\n`);
    }
    const actions = html`<p class="actions"><a class="button" href="/check/report/${id}.json" download="${fileName(kept)}">${c.download}</a> <a href="/check">${c.again}</a></p>`;
    const note = c.englishNote === "" ? "" : html`<p class="muted">${c.englishNote}</p>`;
    if (kept.kind === "mx") {
      const r = kept.report;
      const head = html`<p class="muted">${c.started(t.date(Date.parse(r.startedAt)), r.durationMs, r.hosts.reduce((n, h) => n + (h.report?.probes ?? 0), 0))}</p>`;
      return sendPage(req, reply, c.mx.title(r.domain), html`${head}${actions}${note}${mxSections(r, t)}`);
    }
    const r = kept.report;
    return sendPage(req, reply, c.reportTitle(`${r.target.host}:${r.target.port}`), html`${targetLine(r, t)}${actions}${note}${reportSections(r, t, "", 2)}`);
  });
}
