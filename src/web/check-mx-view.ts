/**
 * A `sealpost check --mx` report as page sections: the verdict, the MX hosts in one table (best
 * TLS, certificate, strict senders, MTA-STS match, DANE), the domain's policies (MTA-STS, TLS-RPT,
 * DANE, CAA), the domain's findings, then each host's own report — what `renderMxReport` prints.
 */
import type { MxReport } from "../check/index.ts";
import { versionLabel } from "../tls/index.ts";
import { english, findingsTable, mark, reportSections, section, targetLine } from "./check-view.ts";
import { html, type Html } from "./html.ts";
import type { Text } from "./text-en.ts";

type Host = MxReport["hosts"][number];

function hostRow(h: Host, t: Text): Html {
  const m = t.check.mx;
  const r = h.report;
  const failed = h.error ?? r?.error ?? null;
  const best = r?.protocols.filter((v) => v.offered).at(-1);
  const cert = r?.certificate ?? null;
  let certText = "–";
  let certOk = false;
  if (cert !== null) {
    if (!cert.trusted) certText = m.certUntrusted(cert.verifyError ?? "?");
    else if (cert.daysLeft < 0) certText = m.certExpired;
    else if (cert.nameChecks.some((n) => !n.matches)) certText = m.certWrongName;
    else [certText, certOk] = [m.certValid, true];
  }
  const strict = failed !== null ? null : r?.verdicts.strictSenders.ok === true;
  const bestOk = best !== undefined && (best.version === "TLSv1.2" || best.version === "TLSv1.3");
  return html`<tr>
    <td>${h.preference}</td>
    <th scope="row">${h.host}${h.implicit ? html` <span class="muted">${m.implicit}</span>` : ""}</th>
    <td>${h.address ?? "–"}</td>
    <td class="${failed === null && !bestOk ? "bad" : ""}">${failed !== null ? "–" : best !== undefined ? versionLabel(best.version) : m.none}</td>
    <td class="${cert === null ? "" : certOk ? "good" : "bad"}">${certText}</td>
    <td class="${strict === null ? "" : strict ? "good" : "bad"}">${strict === null ? m.notChecked : strict ? m.pass : m.fail}</td>
    <td class="${h.mtaStsMatch === null ? "" : h.mtaStsMatch ? "good" : "bad"}">${h.mtaStsMatch === null ? "–" : h.mtaStsMatch ? m.match : m.noMatch}</td>
    <td class="${h.dane.status === "valid" ? "good" : h.dane.status === "invalid" || h.dane.status === "error" ? "bad" : ""}">${m.daneStatus[h.dane.status]}</td>
  </tr>`;
}

function policies(r: MxReport, t: Text): Html {
  const m = t.check.mx;
  const s = r.mtaSts;
  const sts =
    s.txtError !== null ? m.unusable(s.txtError) : s.id === null ? m.notPublished : s.policy === null ? m.notFetched(s.id, s.fetchError ?? "?") : m.policy(s.id, s.policy.mode, s.policy.maxAge, s.policy.mx.join(", ") || "–");
  const rpt = r.tlsRpt.error !== null ? m.unusable(r.tlsRpt.error) : r.tlsRpt.records.length === 0 ? m.notPublished : m.rua(r.tlsRpt.rua.join(", "));
  const perHost = (f: (h: Host) => Html): Html => (r.hosts.length === 0 ? html`–` : html`<ul>${r.hosts.map((h) => html`<li>${h.host}: ${f(h)}</li>`)}</ul>`);
  const dane = perHost((h) => html`${m.daneStatus[h.dane.status]} — ${english(h.dane.detail)}`);
  const caa = perHost((h) => (h.caa.error !== null ? english(h.caa.error) : h.caa.name === null ? html`${m.notPublished}` : html`${h.caa.name !== h.host ? m.caaAt(h.caa.records.join(", "), h.caa.name) : h.caa.records.join(", ")}`));
  const c = m.policyColumns;
  return html`<table><thead><tr><th scope="col">${c.policy}</th><th scope="col">${c.status}</th></tr></thead><tbody>
    <tr><th scope="row">${m.mtaSts}</th><td>${english(sts)}</td></tr>
    <tr><th scope="row">${m.tlsRpt}</th><td>${english(rpt)}</td></tr>
    <tr><th scope="row">${m.dane}</th><td>${dane}</td></tr>
    <tr><th scope="row">${m.caa}</th><td>${caa}</td></tr></tbody></table>`;
}

export function mxSections(r: MxReport, t: Text): Html {
  const c = t.check;
  const m = c.mx;
  if (r.error !== null) return html`<p class="notice problem" role="alert">${c.couldNotRun} ${english(r.error)}</p>`;
  const cols = m.hostColumns;
  const parts: Html[] = [section("verdict", 2, c.verdictsTitle, html`<ul class="verdicts"><li>${m.verdict}: ${mark(r.verdict.ok, c)}<br>${english(r.verdict.text)}</li></ul>`)];
  if (r.hosts.length > 0) {
    parts.push(
      section("hosts", 2, m.hostsTitle, html`<table><thead><tr><th scope="col">${cols.preference}</th><th scope="col">${cols.host}</th><th scope="col">${cols.address}</th><th scope="col">${cols.bestTls}</th><th scope="col">${cols.certificate}</th><th scope="col">${cols.strict}</th><th scope="col">${cols.mtaSts}</th><th scope="col">${cols.dane}</th></tr></thead>
        <tbody>${r.hosts.map((h) => hostRow(h, t))}</tbody></table>`),
    );
  }
  parts.push(section("policies", 2, m.policiesTitle, policies(r, t)));
  parts.push(section("domain-findings", 2, m.domainFindings, findingsTable(r.findings, c)));
  r.hosts.forEach((h, i) => {
    const body = h.report !== null ? html`${targetLine(h.report, t)}${reportSections(h.report, t, `mx${i}-`, 3)}` : html`<p>${m.hostNotChecked(h.error ?? "?")}</p>`;
    parts.push(section(`mx${i}`, 2, m.hostReport(h.host), body));
  });
  return html`${parts}`;
}
