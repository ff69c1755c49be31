/**
 * The German words of a bounce, where there are some: so far the problems of DANE (RFC 7672) and
 * of REQUIRETLS (RFC 8689), the newest reasons for a message to wait or come back, explained in
 * both languages, each with what the receiving side can do. The rest of the report is English
 * (explain.ts).
 */
import type { CertificateProblem, DeliveryProblem } from "./problems.ts";
import { clean } from "./text.ts";

const h = (s: string): string => clean(s, 255);
const paren = (detail: string): string => {
  const d = clean(detail, 300);
  return d === "" ? "" : ` (${d})`;
};

/** The problem and its fix in German, or null when there are no German words for it yet. */
export function germanExplanation(p: DeliveryProblem, domain = ""): string | null {
  const who = domain.trim() === "" ? "Die Administratoren des empfangenden Servers" : `Die Administratoren von ${h(domain)}`;
  if (p.kind === "certificate" && p.problem === "dane-mismatch") {
    return (
      `Der empfangende Server ${h(p.host)} hat ein Sicherheitszertifikat vorgelegt, das nicht zu den Einträgen passt, ` +
      `die seine Domain dafür im DNS veröffentlicht und mit DNSSEC sichert (DANE-TLSA-Einträge)${paren(p.detail)}. ` +
      `Eine solche Abweichung kann bedeuten, dass jemand die Verbindung abfängt; deshalb wurde die Nachricht nicht zugestellt. ` +
      `${who} können das beheben, indem sie für ${h(p.host)} TLSA-Einträge veröffentlichen, die zu seinem Zertifikat passen ` +
      `(bevor sich das Zertifikat ändert, nicht danach).`
    );
  }
  if (p.kind === "dane-lookup") {
    return (
      `Der empfangende Server ${h(p.host)} schützt seine Verbindungen mit DANE, aber seine Einträge im DNS ließen sich ` +
      `nicht abfragen und mit DNSSEC prüfen${paren(p.detail)}. Ohne sie kann dieser Server eine echte Verbindung nicht von ` +
      `einer abgefangenen unterscheiden; er hat deshalb keine Verbindung aufgebaut, und die Nachricht wurde nicht zugestellt. ` +
      `${who} können das beheben, indem sie die DNSSEC-Signaturen der DNS-Einträge von ${h(p.host)} berichtigen ` +
      `(seiner TLSA- und Adresseinträge).`
    );
  }
  if (p.kind === "requiretls") return requireTls(p, who);
  if (p.kind === "expired" && p.last !== null && p.last.kind !== "expired") {
    const last = germanExplanation(p.last, domain);
    return last === null ? null : `Dieser Server hat die Zustellung nach vergeblichen Versuchen aufgegeben. Der letzte Versuch scheiterte: ${last}`;
  }
  return null;
}

/** RFC 8689 §4.2.1 in German: what REQUIRETLS asks, what the receiving side lacked, what it can do. */
function requireTls(p: Extract<DeliveryProblem, { kind: "requiretls" }>, who: string): string {
  const host = h(p.host);
  const asked =
    "Die Nachricht wurde mit REQUIRETLS gesendet: Sie darf nur über eine verschlüsselte Verbindung zu einem Server " +
    "weitergegeben werden, dessen Identität geprüft ist und der zusagt, sie ebenso verschlüsselt weiterzugeben (RFC 8689).";
  const returned = "Deshalb wurde sie sofort zurückgeschickt, statt weniger geschützt gesendet zu werden.";
  const again = "Darf die Nachricht auch ohne diesen Schutz reisen, senden Sie sie ohne REQUIRETLS noch einmal.";
  switch (p.reason) {
    case "mx-unauthenticated":
      return (
        `${asked} Die Liste der Mailserver der Empfängerdomain (ihre MX-Einträge, die ${host} nennen) ist weder mit ` +
        `DNSSEC signiert noch durch eine MTA-STS-Richtlinie bestätigt; dieser Server konnte also nicht sicher sein, dass ` +
        `${host} der richtige Server ist. ${returned} ${again} ${who} können das beheben, indem sie ihre DNS-Zone mit ` +
        `DNSSEC signieren oder eine MTA-STS-Richtlinie im Modus enforce veröffentlichen, die ${host} nennt.`
      );
    case "not-offered":
      return (
        `${asked} Der empfangende Server ${host} hat eine geprüfte, verschlüsselte Verbindung aufgebaut, unterstützt ` +
        `aber REQUIRETLS nicht und kann daher nicht zusagen, die Nachricht nur ebenso weiterzugeben. ${returned} ${again} ` +
        `${who} können das beheben, indem sie auf ${host} einen Mailserver betreiben, der REQUIRETLS unterstützt.`
      );
    case "tls": {
      const tls = p.tls === null ? null : tlsInGerman(p.tls);
      const why = tls?.what ?? `Der empfangende Server ${host} konnte keine solche Verbindung bieten.`;
      const fix = tls === null ? "" : ` ${who} können das beheben, indem sie ${tls.fix}.`;
      return `${asked} ${why} ${returned} ${again}${fix}`;
    }
  }
}

const CERTIFICATE: Record<CertificateProblem, string> = {
  expired: "ein abgelaufenes Sicherheitszertifikat",
  "not-yet-valid": "ein Sicherheitszertifikat, das noch nicht gültig ist,",
  hostname: "ein Sicherheitszertifikat, das auf einen anderen Namen ausgestellt ist,",
  untrusted: "ein Sicherheitszertifikat, das nicht von einer vertrauenswürdigen Zertifizierungsstelle ausgestellt ist,",
  "weak-key": "ein Sicherheitszertifikat mit einem zu kurzen Schlüssel",
  "weak-signature": "ein Sicherheitszertifikat mit einer veralteten, fälschbaren Signatur (etwa SHA-1 oder MD5)",
  "dane-mismatch": "ein Sicherheitszertifikat, das nicht zu den DANE-TLSA-Einträgen seiner Domain passt,",
  other: "ein Sicherheitszertifikat, das sich nicht prüfen ließ,",
};

/** A TLS problem that stopped a REQUIRETLS message, and its fix, in German; null for any other problem. */
function tlsInGerman(p: DeliveryProblem): { what: string; fix: string } | null {
  switch (p.kind) {
    case "no-starttls":
      return { what: `Der empfangende Server ${h(p.host)} bietet keine verschlüsselte Verbindung (STARTTLS) an.`, fix: `auf ${h(p.host)} STARTTLS mit TLS 1.2 oder neuer einschalten` };
    case "tls-version":
      return { what: `Der empfangende Server ${h(p.host)} bot nur ${clean(p.offered, 40)} an; verlangt ist TLS 1.2 oder neuer.`, fix: `auf ${h(p.host)} TLS 1.2 einschalten` };
    case "weak-cipher":
      return {
        what: `Der empfangende Server ${h(p.host)} bot nur schwache Verschlüsselung an (${clean(p.cipher, 80)}, schwach wegen ${clean(p.weakness, 80)}).`,
        fix: `auf ${h(p.host)} moderne Verfahren einschalten (AES-GCM oder ChaCha20 mit Forward Secrecy)`,
      };
    case "tls-handshake":
      return { what: `Mit dem empfangenden Server ${h(p.host)} ließ sich keine verschlüsselte Verbindung aufbauen${paren(p.detail)}.`, fix: `die TLS-Einstellungen von ${h(p.host)} prüfen` };
    case "certificate":
      return {
        what: `Der empfangende Server ${h(p.host)} hat ${CERTIFICATE[p.problem] ?? CERTIFICATE.other} vorgelegt${paren(p.detail)}.`,
        fix: `auf ${h(p.host)} ein gültiges Zertifikat installieren, das eine öffentliche Zertifizierungsstelle für den Namen ${h(p.host)} ausgestellt hat`,
      };
    default:
      return null;
  }
}
