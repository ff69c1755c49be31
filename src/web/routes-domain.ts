/**
 * The domain page (`/domain/DOMAIN`), for the domain's administrators and the server's: the
 * mandatory-TLS switch with an impact preview before it takes effect (the gateway notice: check
 * which senders still deliver in plaintext first), who switched it when, inbound TLS over 30 days,
 * and the accounts with old devices. Hosted and relay domains alike. A domain the account does not
 * administer answers 404, as one that does not exist does: nobody learns which domains are here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { domainInboundTls, domainLegacyAccounts, plaintextSenders } from "../audit/index.ts";
import type { SignedIn } from "../auth/index.ts";
import { administeredDomain, administeredDomains, domainChanges, setDomain } from "../directory/index.ts";
import type { WebDeps } from "./deps.ts";
import { requireUser } from "./guards.ts";
import { html, type Html } from "./html.ts";
import { csrfField, notice, sendPage, table } from "./page.ts";
import type { Text } from "./text-en.ts";

const WINDOW_DAYS = 30;

type Senders = Awaited<ReturnType<typeof plaintextSenders>>;

function sendersTable(t: Text, senders: Senders): Html {
  const c = t.domain.senders;
  return table(
    [c.client, c.ehlo, c.senderDomain, c.messages, c.lastSeen],
    senders.map((s) => html`<tr><td>${s.clientIp}</td><td>${s.ehlo ?? ""}</td><td>${s.senderDomain}</td><td>${s.messages}</td><td>${t.date(Date.parse(s.lastSeen))}</td></tr>`),
  );
}

async function domainPage(deps: WebDeps, req: FastifyRequest, reply: FastifyReply, user: SignedIn, name: string, message: Html | "" = ""): Promise<FastifyReply> {
  const t = req.t;
  const domain = await administeredDomain(deps.db, user, name);
  if (domain === undefined) return sendPage(req, reply, t.errors.notFound, html`<p><a href="/domain">${t.domain.listTitle}</a></p>`, 404);
  const [changes, senders, inbound, legacy] = await Promise.all([
    domainChanges(deps.db, domain.name),
    plaintextSenders(deps.db, domain.name, { days: WINDOW_DAYS }),
    domainInboundTls(deps.db, domain.name, { days: WINDOW_DAYS }),
    domain.kind === "hosted" ? domainLegacyAccounts(deps.db, domain.name, { days: WINDOW_DAYS }) : Promise.resolve([]),
  ]);
  const d = t.domain;
  const main = html`${message}<p>${d.kinds[domain.kind]}</p>
    <section aria-labelledby="switch"><h2 id="switch">${d.switchTitle}</h2>
      <form method="post" action="/domain/${domain.name}/mandatory-tls" class="stack">${csrfField(reply)}
        <label class="switch"><input type="checkbox" role="switch" name="mandatory_tls" value="on"${domain.mandatoryTls ? html` checked` : ""}><span>${d.switchLabel}</span></label>
        <p>${d.switchHelp}</p>
        <button type="submit">${d.save}</button></form></section>
    <section aria-labelledby="trail"><h2 id="trail">${d.trailTitle}</h2>
      ${changes.length === 0 ? html`<p>${d.trailEmpty}</p>` : table(
            [d.trailColumns.time, d.trailColumns.setting, d.trailColumns.value, d.trailColumns.by],
            changes.map((c) => html`<tr><td>${t.date(c.time)}</td><td>${d.settings[c.setting] ?? c.setting}</td><td>${c.value === "on" ? d.on : c.value === "off" ? d.off : c.value}</td><td>${c.changedBy}</td></tr>`),
          )}</section>
    <section aria-labelledby="inbound"><h2 id="inbound">${d.inboundTitle}</h2>
      ${inbound.total === 0 ? html`<p>${d.inboundEmpty}</p>` : html`<p>${d.inboundShare(inbound.plaintextShare)}</p>
        ${table(
          [d.inboundColumns.tls, d.inboundColumns.sessions, d.inboundColumns.messages],
          inbound.byVersion.map((v) => html`<tr><td>${v.tls === "plaintext" ? d.plaintext : v.tls}</td><td>${v.sessions}</td><td>${v.messages}</td></tr>`),
        )}`}</section>
    <section aria-labelledby="plaintext"><h2 id="plaintext">${d.plaintextTitle}</h2>${senders.length === 0 ? html`<p>${d.previewNone}</p>` : sendersTable(t, senders)}</section>
    ${domain.kind === "hosted" ? html`<section aria-labelledby="legacy"><h2 id="legacy">${d.legacyTitle}</h2>
      ${legacy.length === 0 ? html`<p>${d.legacyNone}</p>` : html`<p>${d.legacyIntro}</p>${table(
            [d.legacyColumns.address, d.legacyColumns.devices, d.legacyColumns.lastSeen],
            legacy.map((a) => html`<tr><td>${a.address}</td><td>${a.devices}</td><td>${t.date(Date.parse(a.lastSeen))}</td></tr>`),
          )}`}</section>` : ""}`;
  return sendPage(req, reply, d.title(domain.name), main);
}

interface SwitchBody {
  mandatory_tls?: string;
  confirm?: string;
}

export function registerDomain(app: FastifyInstance, deps: WebDeps): void {
  app.get("/domain", { preHandler: requireUser }, async (req, reply) => {
    const user = req.user as SignedIn;
    const t = req.t;
    const domains = await administeredDomains(deps.db, user);
    const c = t.domain.columns;
    const main =
      domains.length === 0
        ? html`<p>${t.domain.none}</p>`
        : html`<p>${t.domain.listIntro}</p>${table(
            [c.domain, c.kind, c.mandatoryTls],
            domains.map((d) => html`<tr><td><a href="/domain/${d.name}">${d.name}</a></td><td>${t.domain.kinds[d.kind]}</td><td>${d.mandatoryTls ? t.domain.on : t.domain.off}</td></tr>`),
          )}`;
    return sendPage(req, reply, t.domain.listTitle, main);
  });

  app.get<{ Params: { name: string }; Querystring: { switched?: string } }>("/domain/:name", { preHandler: requireUser }, (req, reply) => {
    const switched = req.query.switched;
    const message = switched === "on" ? notice("ok", req.t.domain.switchedOn) : switched === "off" ? notice("ok", req.t.domain.switchedOff) : "";
    return domainPage(deps, req, reply, req.user as SignedIn, req.params.name, message);
  });

  app.post<{ Params: { name: string }; Body: SwitchBody }>("/domain/:name/mandatory-tls", { preHandler: [requireUser, app.csrfProtection.bind(app)] }, async (req, reply) => {
    const user = req.user as SignedIn;
    const t = req.t;
    const d = t.domain;
    const domain = await administeredDomain(deps.db, user, req.params.name);
    if (domain === undefined) return sendPage(req, reply, t.errors.notFound, html``, 404);
    const wanted = req.body.mandatory_tls === "on";
    if (wanted === domain.mandatoryTls) return domainPage(deps, req, reply, user, domain.name, notice("ok", d.unchanged));
    // Switching it on shows first whom it turns away; only the confirmation applies it.
    if (wanted && req.body.confirm !== "yes") {
      const senders = await plaintextSenders(deps.db, domain.name, { days: WINDOW_DAYS });
      const main = html`<section aria-labelledby="preview"><h2 id="preview">${d.previewTitle}</h2>
        ${senders.length === 0 ? html`<p>${d.previewNone}</p>` : html`<p>${d.previewSome(senders.length)}</p>${sendersTable(t, senders)}<p>${d.previewEffect}</p>`}
        <form method="post" action="/domain/${domain.name}/mandatory-tls" class="inline">${csrfField(reply)}
          <input type="hidden" name="mandatory_tls" value="on"><input type="hidden" name="confirm" value="yes">
          <button type="submit" class="danger">${d.confirm}</button> <a href="/domain/${domain.name}">${d.cancel}</a></form></section>`;
      return sendPage(req, reply, d.title(domain.name), main);
    }
    await setDomain(deps.db, domain.name, { mandatoryTls: wanted }, `web:${user.address}`);
    return reply.redirect(`/domain/${domain.name}?switched=${wanted ? "on" : "off"}`, 303);
  });
}
