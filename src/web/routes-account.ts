/**
 * "My account" (`/account`), for every signed-in user: whether any of their devices still uses TLS
 * 1.0/1.1 (mail.de's "check your login history before the cut-off"), the login history of the last
 * 90 days with the old ones marked and explained, the settings a mail program needs, and a password
 * change that ends every other web session of the account.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HISTORY_PROTOCOLS, historyPage, legacyDevices, type DeviceKind, type HistoryEntry, type HistoryProtocol } from "../audit/index.ts";
import type { SignedIn } from "../auth/index.ts";
import { currentCutoff, cutoffAffects, type Cutoff } from "../campaign/index.ts";
import { PASSWORD_MAX, PASSWORD_MIN, setPassword } from "../directory/index.ts";
import { webSignIn } from "./routes-sign-in.ts";
import type { MailSettings, WebDeps } from "./deps.ts";
import { requireUser } from "./guards.ts";
import { html, type Html } from "./html.ts";
import { csrfField, notice, sendPage, table } from "./page.ts";
import type { Text } from "./text-en.ts";
import type { ViewCache } from "./view-cache.ts";

const HISTORY_DAYS = 90;
const LEGACY_DAYS = 30;
const PAGE_SIZE = 50;

/** The kinds of old device on the page, each explained once: the messages it shows when turned away and what to do. */
function deviceHelp(t: Text, kinds: ReadonlySet<DeviceKind>): Html | "" {
  if (kinds.size === 0) return "";
  return html`<section aria-labelledby="help" class="device-help"><h2 id="help">${t.account.helpTitle}</h2>${[...kinds].map(
    (kind) => html`<section id="help-${kind}" aria-labelledby="help-${kind}-h"><h3 id="help-${kind}-h">${t.devices[kind]}</h3>
      <p>${t.account.deviceShows}</p><ul class="errors">${t.deviceErrors[kind].map((e) => html`<li><q>${e}</q></li>`)}</ul>
      <p>${t.account.whatToDo}</p></section>`,
  )}</section>`;
}

/** A row's device: what kind it probably is, and a link to what to do about it. */
function deviceHint(t: Text, kind: DeviceKind): Html {
  return html`<p class="hint">${t.devices[kind]} <a href="#help-${kind}">${t.account.moreHelp}</a></p>`;
}

function resultText(t: Text, e: HistoryEntry): string {
  if (e.kind === "refused-handshake") return e.result === "refused" ? t.account.results.handshake : t.account.results.handshakeFailed;
  if (e.throttled !== null) return `${t.account.results.throttled} ×${e.attempts}`;
  return e.result === "ok" ? t.account.results.ok : e.result === "failed" ? t.account.results.failed : t.account.results.refused;
}

function historyRow(t: Text, e: HistoryEntry): Html {
  const tls = e.kind === "refused-handshake" ? t.account.offered(e.offeredMax ?? "?") : (e.tlsVersion ?? t.account.plaintext);
  return html`<tr${e.legacy ? html` class="legacy"` : ""}>
    <td>${t.date(Date.parse(e.time))}</td><td>${e.protocol}</td><td>${e.port}${e.legacyEndpoint ? html` <span class="badge">${t.account.legacyEndpoint}</span>` : ""}</td><td>${e.clientIp}</td>
    <td>${e.clientName ?? ""}${e.legacy ? html` <strong class="badge">${t.account.legacyMark}</strong>` : ""}
      ${e.attribution !== null ? html`<p class="attribution">${t.account.probablyYours}</p>` : ""}
      ${e.device !== null ? deviceHint(t, e.device) : ""}</td>
    <td>${tls}</td><td>${e.tlsCipher ?? ""}</td><td>${resultText(t, e)}${e.kind === "refused-handshake" && e.result !== "refused" && e.reason !== null ? html`<br><small>${e.reason}</small>` : ""}</td></tr>`;
}

/**
 * The ways in a mail program should be set up with: the same as the settings documents offer
 * (CLIENT_SERVICES: IMAP and POP3 with implicit TLS only, RFC 8314 §3.1, §4.1; STARTTLS on 143/110
 * works but is not offered to someone setting up, and a legacy endpoint never is).
 */
function settingsTable(t: Text, s: MailSettings, address: string): Html {
  const rows: Array<[string, number | null, string]> = [
    [t.account.services.imap, s.imaps, t.account.securityTls],
    [t.account.services.pop3, s.pop3s, t.account.securityTls],
    [t.account.services.submission, s.submissions, t.account.securityTls],
    [t.account.services.submission, s.submission, t.account.securityStarttls],
  ];
  const c = t.account.settingsColumns;
  return html`<p>${t.account.settingsIntro}</p>
    ${table(
      [c.service, c.server, c.port, c.security],
      rows.filter(([, port]) => port !== null).map(([service, port, security]) => html`<tr><td>${service}</td><td>${s.hostname}</td><td>${port ?? ""}</td><td>${security}</td></tr>`),
    )}
    <p>${t.account.userName(address)}</p>
    ${s.imaps !== null && (s.submissions ?? s.submission) !== null ? html`<p><a href="/account/mail.mobileconfig" download>${t.account.appleProfile}</a> — ${t.account.appleProfileHint}</p>` : ""}`;
}

const DAY_MS = 86_400_000;

/** The cut-off's date and the days left (whole days, rounded up), for an account whose devices it stops. */
function cutoffSection(t: Text, c: Cutoff | null, now: number): Html | "" {
  if (c === null) return "";
  const date = t.date(c.date);
  const passed = c.state === "done" || now >= c.date;
  return html`<section aria-labelledby="cutoff" class="cutoff"><h2 id="cutoff">${t.account.cutoffTitle}</h2>${notice(
    "problem",
    passed ? t.account.cutoffPassed(date) : t.account.cutoffComing(date, Math.ceil((c.date - now) / DAY_MS)),
  )}</section>`;
}

/**
 * What the account's data makes of the page (the old devices, a page of history, the settings):
 * the same for every request of one account, language and page for a few seconds (ViewCache).
 */
async function accountViews(deps: WebDeps, t: Text, user: SignedIn, protocol: HistoryProtocol | undefined, before: string | undefined): Promise<Html> {
  const address = user.address;
  const [page, devices, cutoff] = await Promise.all([
    historyPage(deps.db, address, { days: HISTORY_DAYS, pageSize: PAGE_SIZE, ...(protocol !== undefined ? { protocol } : {}), ...(before !== undefined ? { before } : {}) }),
    legacyDevices(deps.db, address, { days: LEGACY_DAYS }),
    currentCutoff(deps.db),
  ]);
  const entries = page?.entries ?? [];
  const filter = protocol !== undefined ? `protocol=${protocol}&` : "";
  const c = t.account.columns;
  const summary =
    devices.length === 0
      ? html`<section aria-labelledby="summary"><h2 id="summary" class="visually-hidden">${t.account.legacyDevices}</h2>${notice("ok", t.account.allModern)}</section>`
      : html`<section aria-labelledby="summary" class="legacy-summary"><h2 id="summary">${t.account.legacyDevices}</h2>${notice("problem", t.account.legacySummary(devices.length))}
        <ul class="devices">${devices.map(
          (d) =>
            html`<li><strong>${[d.protocol.toUpperCase(), d.clientIp, d.clientName, d.tlsVersion ?? t.account.plaintext].filter((x) => x !== null).join(" · ")}</strong>
              (${t.account.lastSeen(t.date(Date.parse(d.lastSeen)))})${deviceHint(t, d.device)}</li>`,
        )}</ul></section>`;
  // The campaign's rule (campaign/affected.ts): devices below TLS 1.2 within the audit's retention, by the server's clock.
  const now = deps.clock.now();
  const affected = cutoff !== null && user.mailbox && (await legacyDevices(deps.db, address, { days: deps.auditRetentionDays(), now })).some(cutoffAffects);
  const countdown = affected ? cutoffSection(t, cutoff, now) : "";
  return html`<p>${t.account.signedInAs(address)}</p>${countdown}${summary}
    <section aria-labelledby="history"><h2 id="history">${t.account.historyTitle}</h2><p>${t.account.historyIntro}</p>
    <form method="get" action="/account" class="inline"><label>${t.account.filter}
      <select name="protocol"><option value="">${t.account.allProtocols}</option>${HISTORY_PROTOCOLS.map((p) => html`<option value="${p}"${p === protocol ? html` selected` : ""}>${p}</option>`)}</select></label>
      <button type="submit">${t.account.apply}</button></form>
    ${entries.length === 0 ? html`<p>${t.account.empty}</p>` : table([c.time, c.protocol, c.port, c.client, c.device, c.tls, c.cipher, c.result], entries.map((e) => historyRow(t, e)), "history")}
    <nav class="pages" aria-label="${t.account.historyTitle}">${before !== undefined ? html`<a href="/account?${filter}">${t.account.newer}</a>` : ""}
      ${page?.next != null ? html`<a href="/account?${filter}before=${encodeURIComponent(page.next)}">${t.account.older}</a>` : ""}</nav></section>
    ${deviceHelp(t, new Set([...devices.map((d) => d.device), ...entries.flatMap((e) => (e.device !== null ? [e.device] : []))]))}
    <section aria-labelledby="settings"><h2 id="settings">${t.account.settingsTitle}</h2>${user.mailbox ? settingsTable(t, deps.mailSettings(), address) : html`<p>${t.account.consoleOnly}</p>`}</section>`;
}

async function accountPage(deps: WebDeps, views: ViewCache<Html>, req: FastifyRequest, reply: FastifyReply, message: Html | "" = "", status = 200): Promise<FastifyReply> {
  const user = req.user;
  if (user === null) throw new Error("account page without a user");
  const t = req.t;
  const q = req.query as Record<string, string | undefined>;
  const protocol = HISTORY_PROTOCOLS.find((p) => p === q.protocol);
  const before = typeof q.before === "string" && q.before.length <= 200 ? q.before : undefined;
  const data = await views.get(user.accountId, `${req.lang}|${protocol ?? ""}|${before ?? ""}`, () => accountViews(deps, t, user, protocol, before));
  const main = html`${message}${data}
    <section aria-labelledby="password"><h2 id="password">${t.account.passwordTitle}</h2>
      <form method="post" action="/account/password" class="stack">${csrfField(reply)}
        <label>${t.account.currentPassword}<input type="password" name="current" autocomplete="current-password" required maxlength="${PASSWORD_MAX}"></label>
        <label>${t.account.newPassword}<input type="password" name="password" autocomplete="new-password" required minlength="${PASSWORD_MIN}" maxlength="${PASSWORD_MAX}"></label>
        <label>${t.account.repeatPassword}<input type="password" name="repeat" autocomplete="new-password" required minlength="${PASSWORD_MIN}" maxlength="${PASSWORD_MAX}"></label>
        <button type="submit">${t.account.changePassword}</button></form></section>`;
  return sendPage(req, reply, t.account.title, main, status);
}

interface PasswordBody {
  current: string;
  password: string;
  repeat: string;
}

const PASSWORD_SCHEMA = {
  body: {
    type: "object",
    required: ["current", "password", "repeat"],
    properties: { current: { type: "string", maxLength: PASSWORD_MAX }, password: { type: "string", maxLength: PASSWORD_MAX }, repeat: { type: "string", maxLength: PASSWORD_MAX }, _csrf: { type: "string" } },
  },
} as const;

export function registerAccount(app: FastifyInstance, deps: WebDeps, views: ViewCache<Html>): void {
  app.get("/account", { preHandler: requireUser }, (req, reply) => accountPage(deps, views, req, reply));

  app.post<{ Body: PasswordBody }>("/account/password", { schema: PASSWORD_SCHEMA, preHandler: [requireUser, app.csrfProtection.bind(app)] }, async (req, reply) => {
    const user = req.user;
    const session = req.webSession;
    if (user === null || session === null) throw new Error("password change without a session");
    const t = req.t;
    const { current, password, repeat } = req.body;
    if (password !== repeat) return accountPage(deps, views, req, reply, notice("problem", t.account.passwordMismatch), 400);
    if (password.length < PASSWORD_MIN) return accountPage(deps, views, req, reply, notice("problem", t.account.passwordWeak), 400);
    // The current password is checked as a sign-in is (rate limits, login history): a stolen
    // session cannot try passwords faster than the sign-in page.
    const check = await deps.auth.login(webSignIn(req), user.address, current, "password-change");
    if (!check.ok) return accountPage(deps, views, req, reply, notice("problem", check.refusal === "rate-limited" ? t.login.throttled : t.account.passwordWrong), 400);
    await setPassword(deps.db, user.address, password);
    const ended = await deps.sessions.endOthers(user.accountId, session);
    return accountPage(deps, views, req, reply, notice("ok", t.account.passwordChanged(ended)));
  });
}
