/**
 * A `sealpost check` report as a page section: the verdicts first, then the findings, protocol
 * versions, cipher suites, certificate(s), STARTTLS with its injection test, and the other TLS
 * features — what `renderReport` prints for the terminal, from the same report. Headings and
 * labels come from the catalogue; the sentences the checker wrote (verdicts, findings, evidence)
 * are its own, in English, marked `lang="en"`.
 * Only types come from the check room: the checker is loaded when a check runs, not with the server.
 */
import type { CertificateInfo, CheckReport, TlsFeatures } from "../check/index.ts";
import { versionLabel } from "../tls/index.ts";
import { html, type Html } from "./html.ts";
import type { Text } from "./text-en.ts";

type Finding = CheckReport["findings"][number];
type Severity = Finding["severity"];
type T = Text["check"];

const RANK: Readonly<Record<Severity, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const LEGACY = new Set(["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"]);

/** Text the checker wrote: English, whatever the page's language. */
export const english = (text: string): Html => html`<span lang="en">${text}</span>`;

/** A section with its heading (level 2 on its own page, 3 inside an MX report). */
export function section(id: string, level: 2 | 3, title: string, body: Html | Html[]): Html {
  const heading = level === 2 ? html`<h2 id="${id}">${title}</h2>` : html`<h3 id="${id}">${title}</h3>`;
  return html`<section aria-labelledby="${id}">${heading}${body}</section>`;
}

export function mark(ok: boolean, t: T): Html {
  return ok ? html`<span class="good">✓ ${t.passes}</span>` : html`<span class="bad">✗ ${t.fails}</span>`;
}

export function findingsTable(findings: readonly Finding[], t: T): Html {
  if (findings.length === 0) return html`<p>${t.findingsNone}</p>`;
  const c = t.findingColumns;
  const sorted = [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity]);
  return html`<table class="findings"><thead><tr><th scope="col">${c.severity}</th><th scope="col">${c.finding}</th><th scope="col">${c.detail}</th></tr></thead>
    <tbody>${sorted.map((f) => html`<tr class="sev-${f.severity}"><td><span class="severity">${t.severities[f.severity]}</span></td><td>${english(f.title)}</td><td>${english(f.detail)}</td></tr>`)}</tbody></table>`;
}

function versionsTable(r: CheckReport, t: T): Html {
  const c = t.versionColumns;
  return html`<table><thead><tr><th scope="col">${c.version}</th><th scope="col">${c.offered}</th><th scope="col">${c.evidence}</th></tr></thead>
    <tbody>${r.protocols.map((v) => {
      const bad = v.offered === LEGACY.has(v.version);
      return html`<tr><th scope="row">${versionLabel(v.version)}</th><td class="${bad ? "bad" : v.offered ? "good" : ""}">${v.offered ? `✓ ${t.offered}` : `✗ ${t.notOffered}`}</td><td>${english(v.evidence)}</td></tr>`;
    })}</tbody></table>`;
}

function suitesTables(r: CheckReport, t: T): Html[] {
  const c = t.suiteColumns;
  return r.ciphers
    .filter((list) => list.suites.length > 0)
    .map((list) => {
      const order = list.serverOrder === true ? t.order.server : list.serverOrder === false ? t.order.client : t.order.unknown;
      return html`<table><caption>${t.suitesCaption(versionLabel(list.version), list.suites.length, order)}</caption>
        <thead><tr><th scope="col">${c.name}</th><th scope="col">${c.openssl}</th><th scope="col">${c.weaknesses}</th></tr></thead>
        <tbody>${list.suites.map((s) => {
          const bad = s.weaknesses.filter((w) => w !== "CBC");
          return html`<tr><td><code>${s.name}</code></td><td><code>${s.openssl ?? ""}</code></td><td class="${bad.length > 0 ? "bad" : ""}">${s.weaknesses.join(", ")}</td></tr>`;
        })}</tbody></table>`;
    });
}

function certificate(c: CertificateInfo, t: Text): Html {
  const k = t.check.cert;
  const row = (label: string, value: Html | string): Html => html`<dt>${label}</dt><dd>${value}</dd>`;
  const expiring = c.daysLeft <= 14;
  return html`<dl class="figures">
    ${row(k.subject, c.subject)}
    ${row(k.issuer, c.issuer)}
    ${row(k.names, c.names.length > 0 ? c.names.join(", ") : k.none)}
    ${row(k.valid, html`${t.date(Date.parse(c.notBefore))} – ${t.date(Date.parse(c.notAfter))}, <span class="${expiring ? "bad" : ""}">${k.daysLeft(c.daysLeft)}</span>`)}
    ${row(k.trust, html`<span class="${c.trusted ? "good" : "bad"}">${c.trusted ? k.trusted : k.untrusted(c.verifyError ?? "?")}</span>${c.selfSigned ? `, ${k.selfSigned}` : ""}`)}
    ${row(k.key, `${c.keyType}${c.keyBits !== null ? `, ${k.bits(c.keyBits)}` : ""}`)}
    ${row(k.signature, c.signatureAlgorithm)}
    ${row(k.chain, html`<ol start="0">${c.chain.map((l) => html`<li>${l.subject} <span class="muted">(${k.issuer}: ${l.issuer})</span></li>`)}</ol>`)}
    ${row(k.nameChecks, c.nameChecks.length === 0 ? k.none : html`${c.nameChecks.map((n) => html`<span class="${n.matches ? "good" : "bad"}">${n.name}: ${n.matches ? k.matches : k.noMatch}</span> `)}`)}
  </dl>`;
}

function featuresTable(x: TlsFeatures, t: T): Html {
  const v = t.values;
  const yesNo = (b: boolean | null): string => (b === null ? v.notTested : b ? t.yes : t.no);
  const r = x.renegotiation;
  const client = { refused: v.refused, limited: v.limited(r.accepted), unlimited: v.unlimited(r.accepted), "not-applicable": v.notApplicable, "not-tested": v.notTested }[r.clientInitiated];
  const hb = x.heartbeat;
  const heartbeat = hb.heartbleed === "vulnerable" ? v.heartbleed : hb.extension === null ? v.notTested : hb.extension ? v.heartbeatSafe : v.notOffered;
  const fallback = { supported: v.supported, "not-supported": v.notSupported, "handshake-failure": v.wrongAlert, "not-applicable": v.nothingBelow, "not-tested": v.notTested }[x.fallbackScsv.status];
  const k = x.keyExchange;
  const o = x.ocspStapling;
  const f = t.features;
  const rows: Array<[string, string, boolean, string]> = [
    [f.secureRenegotiation, r.secure === null ? v.notApplicable : yesNo(r.secure), r.secure === false, r.detail],
    [f.clientRenegotiation, client, r.clientInitiated === "unlimited", ""],
    [f.compression, x.compression.offered === null ? v.notTested : x.compression.offered ? v.on : v.off, x.compression.offered === true, x.compression.detail],
    [f.heartbeat, heartbeat, hb.heartbleed === "vulnerable", hb.detail],
    [f.fallbackScsv, fallback, x.fallbackScsv.status === "not-supported", x.fallbackScsv.detail],
    [f.resumption, v.resumption(yesNo(x.resumption.ids), yesNo(x.resumption.tickets)), false, x.resumption.detail],
    [f.dhGroup, k.dhBits === null ? v.noDhe : `${v.bits(k.dhBits)}${k.dhGroup !== null ? ` (${k.dhGroup})` : ""}`, k.dhBits !== null && k.dhBits < 2048, k.detail],
    [f.weakCurves, k.weakCurves.length === 0 ? v.noneAccepted : k.weakCurves.map((w) => w.name).join(", "), k.weakCurves.length > 0, ""],
    [f.ocspStapling, o.stapled === null ? v.notTested : o.stapled ? v.stapled(`${o.responseStatus ?? "?"}${o.certStatus !== null ? `, ${o.certStatus}` : ""}`) : v.notStapled, o.certStatus === "revoked", o.detail],
  ];
  const c = t.featureColumns;
  return html`<table><thead><tr><th scope="col">${c.feature}</th><th scope="col">${c.result}</th><th scope="col">${c.detail}</th></tr></thead>
    <tbody>${rows.map(([name, result, bad, detail]) => html`<tr><th scope="row">${name}</th><td class="${bad ? "bad" : ""}">${result}</td><td>${detail === "" ? "" : english(detail)}</td></tr>`)}</tbody></table>`;
}

/** The one line under the title: what was checked, how, when, how long. */
export function targetLine(r: CheckReport, t: Text): Html {
  const g = r.target;
  const c = t.check;
  const address = g.address !== "" && g.address !== g.host ? ` (${g.address})` : "";
  return html`<p class="muted">${g.host}:${g.port}${address}, ${c.access[g.access]}, ${g.servername !== null ? c.sni(g.servername) : c.noSni}. ${c.started(t.date(Date.parse(r.startedAt)), r.durationMs, r.probes)}</p>`;
}

/**
 * The report's sections. `prefix` keeps the ids unique when several reports share a page (the
 * hosts of an MX check); `level` is the sections' heading level.
 */
export function reportSections(r: CheckReport, t: Text, prefix: string, level: 2 | 3): Html {
  const c = t.check;
  if (r.error !== null) return html`<p class="notice problem" role="alert">${c.couldNotRun} ${english(r.error)}</p>`;
  const id = (name: string): string => `${prefix}${name}`;
  const s = r.starttls;
  const parts: Html[] = [
    section(id("verdicts"), level, c.verdictsTitle, html`<ul class="verdicts">
      <li>${c.verdictStrict}: ${mark(r.verdicts.strictSenders.ok, c)}<br>${english(r.verdicts.strictSenders.text)}</li>
      <li>${c.verdictLegacy}: ${mark(r.verdicts.legacyClients.ok, c)}<br>${english(r.verdicts.legacyClients.text)}</li></ul>`),
    section(id("findings"), level, c.findingsTitle, findingsTable(r.findings, c)),
  ];
  if (r.protocols.length > 0) parts.push(section(id("versions"), level, c.versionsTitle, versionsTable(r, c)));
  const suites = suitesTables(r, c);
  if (suites.length > 0) parts.push(section(id("suites"), level, c.suitesTitle, suites));
  if (r.protocols.some((v) => v.offered) || r.certificate !== null) {
    parts.push(section(id("certificate"), level, c.certificateTitle, r.certificate === null ? html`<p>${c.certificateNone}</p>` : certificate(r.certificate, t)));
  }
  r.otherCertificates.forEach((o, i) => parts.push(section(id(`certificate-${i + 2}`), level, c.otherCertificateTitle(o.keyType), certificate(o, t))));
  if (s !== null) {
    parts.push(
      section(id("starttls"), level, c.starttlsTitle, html`<dl class="figures">
        <dt>${c.starttlsOffered}</dt><dd class="${s.offered ? "good" : "bad"}">${s.offered ? c.yes : c.no}</dd>
        <dt>${c.injection}</dt><dd class="${s.injection === "vulnerable" ? "bad" : s.injection === "not-vulnerable" ? "good" : ""}">${c.injectionValues[s.injection]}</dd></dl>
        <p>${english(s.detail)}</p>`),
    );
  }
  if (r.features !== null) parts.push(section(id("features"), level, c.featuresTitle, featuresTable(r.features, c)));
  if (r.gaps.length > 0) parts.push(section(id("gaps"), level, c.gapsTitle, html`<p>${c.gapsIntro}</p><ul>${r.gaps.map((g) => html`<li>${english(g)}</li>`)}</ul>`));
  return html`${parts}`;
}
