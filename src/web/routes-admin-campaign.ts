/**
 * The administration page's campaign (issue 12): the TLS 1.0/1.1 cut-off and its count-down, the
 * accounts it still affects with their number of old devices, the notices sent per notify day, and
 * the legacy grants with their end dates — `sealpost cutoff show`'s report, by the server's clock.
 */
import { campaignReport } from "../campaign/index.ts";
import type { WebDeps } from "./deps.ts";
import { html, type Html } from "./html.ts";
import { notice, table } from "./page.ts";
import { ROWS, capped } from "./routes-admin-parts.ts";
import type { Text } from "./text-en.ts";

const DAY_MS = 86_400_000;

export async function campaignSection(t: Text, deps: WebDeps): Promise<Html> {
  const a = t.admin.campaign;
  const now = deps.clock.now();
  const r = await campaignReport(deps.db, { now, retentionDays: deps.auditRetentionDays(), known: deps.campaignAffected() });
  const c = r.cutoff;
  const state =
    c === null
      ? html`<p>${a.none}</p>`
      : c.state === "done" || now >= c.date
        ? notice("ok", a.done(t.date(c.date)))
        : html`${notice("problem", a.scheduled(t.date(c.date), Math.ceil((c.date - now) / DAY_MS)))}${r.dueNotifyDay !== null ? html`<p>${a.due(r.dueNotifyDay)}</p>` : ""}`;
  const ac = a.affectedColumns;
  const affected = r.affected
    .slice(0, ROWS)
    .map((x) => html`<tr><td>${x.address}</td><td>${x.devices.length}</td><td>${x.devices[0] !== undefined ? t.date(Date.parse(x.devices[0].lastSeen)) : ""}</td></tr>`);
  const nc = a.noticeColumns;
  const notices = r.notices.map((n) => html`<tr><td>${a.daysBefore(n.day)}</td><td>${n.sent}</td></tr>`);
  const gc = a.grantColumns;
  const grants = r.grants
    .slice(0, ROWS)
    .map((g) => html`<tr><td>${g.address ?? g.host ?? ""}</td><td>${g.protocols.join(", ")}</td><td>${t.date(g.until)}${g.until <= now ? html` <strong class="badge">${a.ended}</strong>` : ""}</td></tr>`);
  return html`<section aria-labelledby="campaign"><h2 id="campaign">${a.title}</h2>${state}
    ${c === null ? "" : html`<h3 id="campaign-affected">${a.affectedTitle}</h3>
    ${r.affected.length === 0 ? html`<p>${a.affectedNone}</p>` : html`<p>${a.affected(r.affected.length)}</p>${table([ac.address, ac.devices, ac.lastSeen], affected)}${capped(t, affected.length, r.affected.length)}`}`}
    ${notices.length === 0 ? "" : html`<h3 id="campaign-notices">${a.noticesTitle}</h3>${table([nc.day, nc.sent], notices)}`}
    <h3 id="campaign-grants">${a.grantsTitle}</h3>
    ${r.grants.length === 0 ? html`<p>${a.grantsNone}</p>` : html`${table([gc.who, gc.protocols, gc.until], grants)}${capped(t, grants.length, r.grants.length)}`}</section>`;
}
