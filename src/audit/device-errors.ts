/**
 * What each kind of device shows when a server turns it away over old TLS: the messages mail.de
 * lists (context `002_…`), quoted as the device says them, per `DeviceKind` and per language of
 * the device. The web console's account page and the cut-off notice both quote them from here.
 */
import type { DeviceKind } from "./device-hint.ts";

type DeviceErrors = Readonly<Record<DeviceKind, readonly string[]>>;

export const DEVICE_ERRORS: Readonly<Record<"en" | "de", DeviceErrors>> = {
  en: {
    outlook: ["0x800CCC1A: Your server does not support the connection encryption type you have specified.", "Could not create SSL/TLS secure channel"],
    thunderbird: ["TLS connection failed", "SSL/TLS Handshake Failed"],
    apple: ["Cannot connect to the server", "The connection to the server failed"],
    android: ["SSL/TLS Handshake Failed", "Connection failed"],
    printer: ["SSL_accept error", "TLS connection failed", "SSL encryption error"],
    "old-phone": ["TLS connection failed", "Cannot connect to the server"],
    plaintext: ["The server requires encryption (STARTTLS or SSL/TLS)", "Authentication failed"],
    "rc4-era": ["SSL/TLS Handshake Failed", "System.Net.WebException: The request was aborted: Could not create SSL/TLS secure channel."],
    tls10: ["0x800CCC1A: Your server does not support the connection encryption type you have specified.", "SSL/TLS Handshake Failed", "Could not create SSL/TLS secure channel"],
    tls11: ["SSL/TLS Handshake Failed", "TLS connection failed"],
  },
  de: {
    outlook: [
      "0x800CCC1A. Ihr Server unterstützt den angegebenen Verbindungsverschlüsselungstyp nicht. Versuchen Sie, die Verschlüsselungsmethode zu ändern.",
      "System.Net.WebException: The request was aborted: Could not create SSL/TLS secure channel.",
    ],
    thunderbird: ["TLS connection failed", "SSL/TLS Handshake Failed"],
    apple: ["Die Verbindung zum Server konnte nicht hergestellt werden"],
    android: ["SSL/TLS Handshake Failed", "SSL-Verschlüsselungs-Fehler"],
    printer: ["SSL_accept error", "TLS connection failed", "SSL-Verschlüsselungs-Fehler"],
    "old-phone": ["TLS connection failed", "Die Verbindung zum Server konnte nicht hergestellt werden"],
    plaintext: ["Der Server verlangt eine Verschlüsselung (STARTTLS oder SSL/TLS)", "Anmeldung fehlgeschlagen"],
    "rc4-era": ["SSL/TLS Handshake Failed", "System.Net.WebException: The request was aborted: Could not create SSL/TLS secure channel."],
    tls10: [
      "0x800CCC1A. Ihr Server unterstützt den angegebenen Verbindungsverschlüsselungstyp nicht. Versuchen Sie, die Verschlüsselungsmethode zu ändern.",
      "SSL/TLS Handshake Failed",
      "Die Verbindung zum Server konnte nicht hergestellt werden",
    ],
    tls11: ["SSL/TLS Handshake Failed", "TLS connection failed"],
  },
};
