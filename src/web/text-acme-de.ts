/** Die Worte der Verwaltungsseite zu Zertifikaten über ACME, auf Deutsch: `acme` in `text-de.ts`. */
import type { Text } from "./text-en.ts";

export const acmeDe: Text["acme"] = {
  title: "Zertifikate über ACME",
  columns: { names: "Namen", state: "Zustand", notAfter: "Gültig bis", daysLeft: "Verbleibende Tage", challenge: "Geprüft per", lastError: "Letzter Fehler", nextAttempt: "Nächster Versuch" },
  phases: { valid: "Gültig", due: "Wird bestellt", issuing: "Wird gerade bestellt", failing: "Fehlgeschlagen", unpublished: "Nicht im DNS" },
  warning: "Bitte prüfen",
  problem: (n) =>
    n === 1
      ? "1 Zertifikat über ACME läuft in weniger als 14 Tagen ab, während seine Erneuerung fehlschlägt, oder konnte gar nicht bestellt werden: Der letzte Fehler nennt den Grund. Beheben Sie ihn (DNS, Ports 80 und 443) und laden Sie den Server dann neu, um es sofort erneut zu versuchen."
      : `${n} Zertifikate über ACME laufen in weniger als 14 Tagen ab, während ihre Erneuerung fehlschlägt, oder konnten gar nicht bestellt werden: Die letzten Fehler nennen den Grund. Beheben Sie ihn (DNS, Ports 80 und 443) und laden Sie den Server dann neu, um es sofort erneut zu versuchen.`,
  unpublished: "Eine Domain, deren Namen mta-sts und autoconfig keine Adresse im DNS haben, bekommt erst ein Zertifikat, wenn einer davon eine hat (sealpost domain dns zeigt die Einträge).",
  none: "Noch kein Zertifikat geprüft: Die erste Prüfung läuft beim Start des Servers.",
};
