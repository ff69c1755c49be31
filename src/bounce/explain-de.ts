/**
 * The German words of a bounce, where there are some: so far the problems of DANE (RFC 7672), the
 * newest reason for a message to wait or come back, explained in both languages, each with what
 * the receiving side can do. The rest of the report is English (explain.ts).
 */
import type { DeliveryProblem } from "./problems.ts";
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
  if (p.kind === "expired" && p.last !== null && p.last.kind !== "expired") {
    const last = germanExplanation(p.last, domain);
    return last === null ? null : `Dieser Server hat die Zustellung nach vergeblichen Versuchen aufgegeben. Der letzte Versuch scheiterte: ${last}`;
  }
  return null;
}
