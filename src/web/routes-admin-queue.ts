/**
 * The administration page's queue: depth, the oldest message's age, whether delivery is paused
 * (with Pause/Resume), deferred mail by destination with its latest problem, and the oldest
 * messages each with Retry, Bounce and Delete — what `sealpost queue` does, through the same queue
 * functions; after a retry or a bounce the queue runner is woken so it acts at once.
 */
import { deferredByDestination, deleteQueued, listQueue, queueSummary, requestBounce, retryNow, setPaused, type QueuedMessage } from "../queue/index.ts";
import { phaseOf } from "../maintenance/index.ts";
import type { WebDeps } from "./deps.ts";
import { html, type Html } from "./html.ts";
import { table } from "./page.ts";
import { ROWS, capped, field, type AdminAction, type AdminOutcome } from "./routes-admin-parts.ts";
import type { Text } from "./text-en.ts";

function age(t: Text, ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  return t.admin.duration(Math.floor(minutes / 1440), Math.floor((minutes % 1440) / 60), minutes % 60);
}

function statusText(t: Text, q: QueuedMessage): string {
  const s = t.admin.statuses;
  return q.status === "held" ? s.held : q.status === "deferred" ? s.deferred : s.queued;
}

function messageRow(t: Text, q: QueuedMessage, csrf: Html): Html {
  const a = t.admin;
  const action = (path: string, label: string, danger = false): Html =>
    html`<form method="post" action="/admin/queue/${path}">${csrf}<input type="hidden" name="id" value="${q.id}"><button type="submit"${danger ? html` class="danger"` : ""}>${label}</button></form>`;
  return html`<tr><td><code>${q.id}</code></td><td>${t.date(q.createdAt)}</td><td>${q.from === "" ? a.nullSender : q.from}</td><td>${q.recipients.join(", ")}</td>
    <td>${statusText(t, q)}</td><td>${q.attempts}</td><td>${t.date(q.nextAttemptAt)}</td><td>${q.lastError ?? ""}</td>
    <td class="actions">${action("retry", a.retry)}${action("bounce", a.bounce)}${action("delete", a.delete, true)}</td></tr>`;
}

export async function queueSection(t: Text, deps: WebDeps, csrf: Html, now = Date.now()): Promise<Html> {
  const a = t.admin;
  const [summary, deferred, messages] = await Promise.all([queueSummary(deps.db), deferredByDestination(deps.db, ROWS), listQueue(deps.db, { limit: ROWS })]);
  const f = a.figures;
  // A maintenance window that pauses delivery holds it apart from the operator's switch, and ends by itself.
  const calendar = deps.clock.now();
  const window = deps.maintenance().windows.find((w) => w.pauseDelivery && phaseOf(w, calendar) === "open");
  const figures = html`<dl class="figures"><dt>${f.messages}</dt><dd>${summary.messages}</dd><dt>${f.recipients}</dt><dd>${summary.recipients}</dd>
    ${summary.oldestCreatedAt !== null ? html`<dt>${f.oldest}</dt><dd>${age(t, now - summary.oldestCreatedAt)}</dd>` : ""}
    <dt>${f.delivery}</dt><dd>${summary.paused ? html`<strong>${a.paused}</strong>` : window !== undefined ? html`<strong>${a.heldByWindow(t.localDate(window.endsAt))}</strong>` : a.running}</dd></dl>
    <form method="post" action="/admin/queue/${summary.paused ? "resume" : "pause"}" class="inline">${csrf}<button type="submit">${summary.paused ? a.resume : a.pause}</button></form>`;
  const d = a.destinationColumns;
  const destinations = deferred.destinations.map(
    (x) => html`<tr><td>${x.domain}</td><td>${x.messages}</td><td>${x.recipients}</td><td>${x.attempts}</td><td>${t.date(x.nextAttemptAt)}</td><td>${x.lastProblem ?? ""}</td></tr>`,
  );
  const m = a.messageColumns;
  return html`<section aria-labelledby="queue"><h2 id="queue">${a.queueTitle}</h2>${figures}
    <h3 id="deferred">${a.destinationsTitle}</h3>
    ${destinations.length === 0 ? html`<p>${a.noDeferred}</p>` : html`${table([d.domain, d.messages, d.recipients, d.attempts, d.next, d.problem], destinations)}${capped(t, destinations.length, deferred.total)}`}
    <h3 id="messages">${a.messagesTitle}</h3>
    ${messages.length === 0
      ? html`<p>${a.queueEmpty}</p>`
      : html`${table([m.id, m.queued, m.from, m.recipients, m.status, m.attempts, m.next, m.problem, m.actions], messages.map((q) => messageRow(t, q, csrf)))}${capped(t, messages.length, summary.messages)}`}</section>`;
}

/** Queue ids are 16 hex digits (`newQueueId`); the form sends what the page showed. */
function queueId(raw: string): string | undefined {
  const id = raw.trim().toUpperCase();
  return /^[0-9A-F]{1,64}$/.test(id) ? id : undefined;
}

/** One message's action: the queue function says whether the message was still there. */
function onMessage(done: "retried" | "bounced" | "deleted", act: (deps: WebDeps, id: string) => Promise<boolean>): AdminAction {
  return async (deps, req): Promise<AdminOutcome> => {
    const raw = field(req, "id");
    const id = queueId(raw);
    if (id === undefined || !(await act(deps, id))) return { problem: req.t.admin.noSuchMessage(raw.slice(0, 64)), status: 404 };
    return { done, subject: id, section: "queue" };
  };
}

export const queueActions: Record<string, AdminAction> = {
  "queue/pause": async (deps) => {
    await setPaused(deps.db, true);
    return { done: "paused", subject: "", section: "queue" };
  },
  "queue/resume": async (deps) => {
    await setPaused(deps.db, false);
    deps.wakeOutbound();
    return { done: "resumed", subject: "", section: "queue" };
  },
  "queue/retry": onMessage("retried", async (deps, id) => {
    const found = await retryNow(deps.db, id);
    if (found) deps.wakeOutbound();
    return found;
  }),
  "queue/bounce": onMessage("bounced", async (deps, id) => {
    const found = await requestBounce(deps.db, id);
    if (found) deps.wakeOutbound();
    return found;
  }),
  "queue/delete": onMessage("deleted", (deps, id) => deleteQueued(deps.db, deps.blobs, id)),
};
