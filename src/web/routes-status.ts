/**
 * The public status page (issue 12): `/status` (HTML, English and German, no sign-in; linked from
 * the sign-in page), `/status.json` (the same status as data, "sealpost-status/1") and
 * `/status.schema.json` (its JSON Schema). The status is kept a few seconds (status-model.ts), and
 * each language's rendering of it with it: a flood of requests costs a cache hit each.
 */
import type { FastifyInstance } from "fastify";
import type { WebDeps } from "./deps.ts";
import { html, type Html } from "./html.ts";
import type { Lang } from "./i18n.ts";
import { sendPage, table } from "./page.ts";
import { StatusCache, statusJson, type PublicStatus, type ServiceStatus, type WindowStatus } from "./status-model.ts";
import { STATUS_SCHEMA } from "./status-schema.ts";
import type { Text } from "./text-en.ts";

function age(t: Text, seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return t.admin.duration(Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60);
}

function serviceDetail(t: Text, s: ServiceStatus, status: PublicStatus): Html {
  const st = t.status;
  if (s.id !== "delivery") return html`${s.maintenance ? st.inMaintenance : ""}`;
  const d = status.delivery;
  const held = [d.pausedBy.includes("maintenance") ? st.pausedMaintenance : "", d.pausedBy.includes("operator") ? st.pausedOperator : ""].filter((x) => x !== "");
  const waiting = d.oldestDeferredSeconds === null ? st.noDeferred : st.oldestDeferred(age(t, d.oldestDeferredSeconds));
  return html`${held.map((h) => html`<p>${h}</p>`)}<p>${waiting}</p>`;
}

function servicesSection(t: Text, status: PublicStatus): Html {
  const st = t.status;
  const rows = status.services.map(
    (s) => html`<tr><th scope="row">${st.services[s.id]}</th><td><span class="state state-${s.state}">${st.states[s.state]}</span></td><td>${serviceDetail(t, s, status)}</td></tr>`,
  );
  return html`<section aria-labelledby="services"><h2 id="services">${st.servicesTitle}</h2>${table([st.columns.service, st.columns.state, st.columns.detail], rows, "status")}</section>`;
}

function windowsTable(t: Text, id: string, title: string, none: string, windows: readonly WindowStatus[]): Html {
  const st = t.status;
  const c = st.windowColumns;
  const rows = windows.map(
    (w) => html`<tr><td>${t.localDate(w.from)}</td><td>${t.localDate(w.to)}</td><td>${w.services.map((s) => st.serviceNames[s]).join(", ")}</td>
      <td>${w.pausesDelivery ? st.deliveryHeld : st.deliveryRuns}</td><td>${w.message ?? ""}</td></tr>`,
  );
  return html`<section aria-labelledby="${id}"><h3 id="${id}">${title}</h3>${rows.length === 0 ? html`<p>${none}</p>` : table([c.from, c.to, c.services, c.delivery, c.message], rows)}</section>`;
}

function cutoffSection(t: Text, cutoff: NonNullable<PublicStatus["cutoff"]>): Html {
  const st = t.status;
  const date = t.localDate(cutoff.date);
  return html`<section aria-labelledby="cutoff"><h2 id="cutoff">${st.cutoffTitle}</h2>
    <p><strong>${cutoff.state === "done" ? st.cutoffDone(date) : st.cutoffScheduled(date)}</strong></p>
    <p>${st.cutoffMeaning}</p>
    ${cutoff.affectedAccounts !== null ? html`<p>${st.affected(cutoff.affectedAccounts)}</p>` : ""}</section>`;
}

function overall(t: Text, status: PublicStatus): Html {
  const text = t.status.overall[status.overall];
  return status.overall === "down" ? html`<p class="notice problem" role="alert">${text}</p>` : html`<p class="notice ${status.overall === "up" ? "ok" : "warn"}" role="status">${text}</p>`;
}

function statusPage(t: Text, status: PublicStatus): Html {
  const st = t.status;
  const m = status.maintenance;
  return html`${overall(t, status)}<p>${st.intro} ${st.generated(t.localDate(status.generatedAt))}</p>
    ${servicesSection(t, status)}
    <section aria-labelledby="maintenance"><h2 id="maintenance">${st.maintenanceTitle}</h2>
      ${windowsTable(t, "maintenance-now", st.current, st.noneCurrent, m.current)}
      ${windowsTable(t, "maintenance-upcoming", st.upcoming, st.noneUpcoming, m.upcoming)}
      ${windowsTable(t, "maintenance-past", st.past, st.nonePast, m.past)}</section>
    ${status.cutoff !== null ? cutoffSection(t, status.cutoff) : ""}
    <p><a href="/login">${t.login.title}</a></p>`;
}

export function registerStatus(app: FastifyInstance, deps: WebDeps): void {
  const cache = new StatusCache(deps);
  // Each kept status rendered once per language (dropped with it).
  const rendered = new WeakMap<PublicStatus, Map<Lang, Html>>();

  app.get("/status", async (req, reply) => {
    const status = await cache.get();
    const byLang = rendered.get(status) ?? new Map<Lang, Html>();
    rendered.set(status, byLang);
    let main = byLang.get(req.lang);
    if (main === undefined) {
      main = statusPage(req.t, status);
      byLang.set(req.lang, main);
    }
    return sendPage(req, reply, req.t.status.title, main);
  });

  app.get("/status.json", async (_req, reply) => {
    const body = JSON.stringify(statusJson(await cache.get()), null, 2);
    return reply.header("content-type", "application/json; charset=utf-8").header("cache-control", "public, max-age=5").send(body);
  });

  const schema = JSON.stringify(STATUS_SCHEMA, null, 2);
  app.get("/status.schema.json", (_req, reply) =>
    reply.header("content-type", "application/schema+json; charset=utf-8").header("cache-control", "public, max-age=3600").send(schema),
  );
}
