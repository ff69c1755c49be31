/** Die Wörter der öffentlichen Statusseite auf Deutsch (`/status`): `status` aus `text-de.ts`, getrennt gehalten, damit der Katalog klein bleibt. */
import type { Text } from "./text-en.ts";

export const statusDe: Text["status"] = {
  title: "Dienststatus",
  intro: "Der Zustand der Dienste dieses Mailservers, wie der Server selbst ihn sieht. Zeiten in der Ortszeit des Servers.",
  generated: (when) => `Erstellt am ${when}.`,
  overall: { up: "Alle Dienste laufen normal.", degraded: "Einige Dienste sind eingeschränkt.", down: "Einige Dienste sind ausgefallen." },
  servicesTitle: "Dienste",
  columns: { service: "Dienst", state: "Status", detail: "Details" },
  services: { mx: "Eingehende E-Mails (SMTP)", submission: "E-Mail-Versand (Submission)", imap: "E-Mails lesen (IMAP)", pop3: "E-Mails abrufen (POP3)", web: "Web-Konsole", delivery: "Zustellung an andere Server" },
  states: { up: "In Betrieb", degraded: "Eingeschränkt", down: "Ausgefallen", off: "Nicht angeboten" },
  inMaintenance: "Wartungsarbeiten laufen.",
  pausedMaintenance: "Wegen Wartungsarbeiten angehalten: E-Mails werden angenommen, zwischengespeichert und nach Abschluss der Arbeiten zugestellt.",
  pausedOperator: "Vom Administrator angehalten: E-Mails werden angenommen und zwischengespeichert.",
  // The duration ends with its abbreviation's full stop ("5 Min."): no second one.
  oldestDeferred: (age) => `Die älteste Nachricht, die ein empfangender Server vorerst abgewiesen hat, wartet seit ${age}`,
  noDeferred: "Keine Nachricht wartet auf einen empfangenden Server.",
  maintenanceTitle: "Wartungsarbeiten",
  current: "Jetzt",
  upcoming: "Geplant",
  past: "Letzte 7 Tage",
  noneCurrent: "Derzeit finden keine Wartungsarbeiten statt.",
  noneUpcoming: "Es sind keine Wartungsarbeiten geplant.",
  nonePast: "In den letzten 7 Tagen gab es keine Wartungsarbeiten.",
  windowColumns: { from: "Von", to: "Bis", services: "Dienste", delivery: "Ausgehende E-Mails", message: "Hinweis" },
  serviceNames: { imap: "IMAP", pop3: "POP3", submission: "Versand", mx: "Eingehende E-Mails", web: "Web" },
  deliveryHeld: "angehalten, danach zugestellt",
  deliveryRuns: "laufen",
  cutoffTitle: "Abschaltung von TLS 1.0 und 1.1",
  cutoffScheduled: (date) => `Ab ${date} nimmt dieser Server Verbindungen nur noch mit TLS 1.2 oder neuer an, auf allen Mail-Ports und im Web.`,
  cutoffDone: (date) => `Seit ${date} nimmt dieser Server Verbindungen nur noch mit TLS 1.2 oder neuer an, auf allen Mail-Ports und im Web.`,
  cutoffMeaning:
    "E-Mail-Programme und Geräte, die nur TLS 1.0 oder 1.1 beherrschen – alte Mobiltelefone, Drucker und Scanner, Outlook 2010 unter Windows 7 –, können dann keine E-Mails mehr senden oder abrufen. Bitte aktualisieren oder ersetzen Sie sie: Der Anmeldeverlauf auf Ihrer Kontoseite zeigt, welche Ihrer Geräte noch eine alte Version verwenden.",
  affected: (n) => (n === 1 ? "1 Konto nutzt noch ein solches Gerät." : `${n} Konten nutzen noch ein solches Gerät.`),
};
