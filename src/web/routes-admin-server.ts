/**
 * The administration page's view of the server: its listeners and certificates (a certificate
 * with less than 14 days left is a problem, as in `sealpost status`), those from ACME with what
 * ACME is doing about each and its last error, the TLS the world speaks to
 * it and the handshakes it refused (`tlsReport`, as `sealpost tls-report` prints it), and the TLS
 * of outbound deliveries per destination (`outboundReport`).
 */
import { tlsReport, type TlsReport } from "../audit/index.ts";
import { outboundReport } from "../outbound/index.ts";
import { CERTIFICATE_WARN_DAYS } from "../tls/index.ts";
import type { AcmeOrderView } from "../acme/index.ts";
import type { CertificateView, WebDeps } from "./deps.ts";
import { html, type Html } from "./html.ts";
import { notice, table } from "./page.ts";
import { ROWS, WINDOW_DAYS, capped } from "./routes-admin-parts.ts";
import type { Text } from "./text-en.ts";

/** Days left below which a certificate is a problem (the CLI's `sealpost status` says the same). */

function listenersSection(t: Text, deps: WebDeps): Html {
  const a = t.admin;
  const c = a.listenerColumns;
  const rows = deps.listeners().map((l) => html`<tr><td>${l.name}</td><td>${l.address}</td><td>${l.port}</td><td>${l.sessions}</td></tr>`);
  return html`<section aria-labelledby="listeners"><h2 id="listeners">${a.listenersTitle}</h2>${table([c.name, c.address, c.port, c.sessions], rows)}</section>`;
}

function certificatesSection(t: Text, certificates: readonly CertificateView[]): Html {
  const a = t.admin;
  const c = a.certificateColumns;
  const expiring = certificates.filter((x) => x.daysLeft < CERTIFICATE_WARN_DAYS);
  const rows = certificates.map((x) => {
    const bad = x.daysLeft < CERTIFICATE_WARN_DAYS;
    return html`<tr${bad ? html` class="legacy"` : ""}><td>${x.names.join(", ")}</td><td>${x.keyType}</td><td>${t.date(x.notAfter.getTime())}</td>
      <td>${x.daysLeft}${bad ? html` <strong class="badge">${a.expiring}</strong>` : ""}</td><td>${x.file}</td></tr>`;
  });
  return html`<section aria-labelledby="certificates"><h2 id="certificates">${a.certificatesTitle}</h2>
    ${expiring.length > 0 ? notice("problem", a.certificateProblem(expiring.length)) : ""}
    ${table([c.names, c.keyType, c.notAfter, c.daysLeft, c.file], rows)}</section>`;
}

/** Each certificate ACME keeps: names, state, expiry, how it was validated, the last error and the next attempt; nothing while ACME is off. */
function acmeSection(t: Text, views: readonly AcmeOrderView[] | null): Html {
  if (views === null) return html``;
  const a = t.acme;
  const c = a.columns;
  const warnings = views.filter((v) => v.warning).length;
  const rows = views.map(
    (v) => html`<tr${v.warning ? html` class="legacy"` : ""}><td>${v.names.join(", ")}</td>
      <td>${a.phases[v.phase]}${v.warning ? html` <strong class="badge">${a.warning}</strong>` : ""}</td>
      <td>${v.notAfter === null ? "–" : t.date(v.notAfter.getTime())}</td><td>${v.daysLeft ?? "–"}</td><td>${v.challenge ?? "–"}</td>
      <td>${v.lastError ?? "–"}</td><td>${v.nextAttemptAt === null ? "–" : t.date(v.nextAttemptAt)}</td></tr>`,
  );
  return html`<section aria-labelledby="acme"><h2 id="acme">${a.title}</h2>
    ${warnings > 0 ? notice("problem", a.problem(warnings)) : ""}
    ${rows.length === 0 ? html`<p>${a.none}</p>` : table([c.names, c.state, c.notAfter, c.daysLeft, c.challenge, c.lastError, c.nextAttempt], rows)}
    ${views.some((v) => v.phase === "unpublished") ? html`<p>${a.unpublished}</p>` : ""}</section>`;
}

interface OfferedVersion {
  offered: string;
  count: number;
  clients: Set<string>;
  protocols: Set<string>;
  lastSeen: string;
}

/** The report's refused handshakes (by version, client and protocol) summed up per offered version. */
function byOfferedVersion(refused: TlsReport["refusedHandshakes"]): OfferedVersion[] {
  const out = new Map<string, OfferedVersion>();
  for (const r of refused) {
    const v = out.get(r.offeredMax) ?? { offered: r.offeredMax, count: 0, clients: new Set<string>(), protocols: new Set<string>(), lastSeen: r.lastSeen };
    v.count += r.count;
    v.clients.add(r.clientIp);
    v.protocols.add(r.protocol);
    if (r.lastSeen > v.lastSeen) v.lastSeen = r.lastSeen;
    out.set(r.offeredMax, v);
  }
  return [...out.values()].sort((a, b) => b.count - a.count);
}

/** A few of a set's members, and how many more there are. */
function some(values: Set<string>, n = 5): string {
  const list = [...values].sort();
  return list.length <= n ? list.join(", ") : `${list.slice(0, n).join(", ")} … (+${list.length - n})`;
}

function tlsSections(t: Text, report: TlsReport): Html {
  const a = t.admin;
  const s = a.sessionColumns;
  const sessions = report.sessions.map(
    (x) => html`<tr><td>${x.protocol}</td><td>${x.tls === "plaintext" ? a.plaintext : x.tls}</td><td>${x.unit === "sessions" ? x.count : a.signInAttempts(x.count)}</td></tr>`,
  );
  const offered = byOfferedVersion(report.refusedHandshakes);
  const r = a.refusedColumns;
  const refused = offered.map(
    (v) => html`<tr${/^(SSL|TLSv1(\.1)?$)/.test(v.offered) ? html` class="legacy"` : ""}><td>${v.offered}</td><td>${v.count}</td><td>${some(v.clients)}</td><td>${some(v.protocols)}</td><td>${t.date(Date.parse(v.lastSeen))}</td></tr>`,
  );
  return html`<section aria-labelledby="tls"><h2 id="tls">${a.tlsTitle}</h2>
      ${sessions.length === 0 ? html`<p>${a.none}</p>` : table([s.protocol, s.tls, s.count], sessions)}</section>
    <section aria-labelledby="refused"><h2 id="refused">${a.refusedTitle}</h2>
      ${refused.length === 0 ? html`<p>${a.none}</p>` : table([r.offered, r.count, r.clients, r.protocols, r.lastSeen], refused)}</section>`;
}

async function outboundSection(t: Text, deps: WebDeps, since: number): Promise<Html> {
  const a = t.admin;
  const c = a.outboundColumns;
  const all = await outboundReport(deps.db, since);
  const rows = all.slice(0, ROWS).map(
    (d) => html`<tr><td>${d.domain}</td><td>${d.attempts}</td><td>${d.delivered}</td>
      <td>${Object.entries(d.tls).map(([v, n]) => `${v} ×${n}`).join(", ") || "–"}</td><td>${d.levels.join(", ")}</td>
      <td>${d.problems.map((p) => html`<div>${p.kind} ×${p.count}: ${p.last}</div>`)}</td><td>${t.date(Date.parse(d.lastAttempt))}</td></tr>`,
  );
  return html`<section aria-labelledby="outbound"><h2 id="outbound">${a.outboundTitle}</h2>
    ${rows.length === 0 ? html`<p>${a.none}</p>` : html`${table([c.domain, c.attempts, c.delivered, c.tls, c.levels, c.problems, c.last], rows)}${capped(t, rows.length, all.length)}`}</section>`;
}

/** Listeners, certificates, inbound TLS and refused handshakes; and, separately, outbound TLS (it goes after the queue). */
export async function serverSections(t: Text, deps: WebDeps, now = Date.now()): Promise<{ top: Html; outbound: Html }> {
  const [report, outbound] = await Promise.all([tlsReport(deps.db, WINDOW_DAYS, now), outboundSection(t, deps, now - WINDOW_DAYS * 86_400_000)]);
  return { top: html`${listenersSection(t, deps)}${certificatesSection(t, deps.certificates())}${acmeSection(t, deps.acme())}${tlsSections(t, report)}`, outbound };
}
