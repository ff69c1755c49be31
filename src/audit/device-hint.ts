/**
 * A plain-language guess at what kind of device or program a legacy login came from, from the
 * client's own name (IMAP ID, EHLO) or, when it gave none, from what its TLS hello offered. The
 * provider notices (mail.de, the hoster) name the usual suspects: old Outlook on Windows 7,
 * Android before 5, iOS before 5, printers and scanners that mail their scans.
 *
 * The guess is a stable key (`deviceKind`): the web console words it per language; the CLI's
 * English words for it are the table below (`deviceHint`).
 */

export type DeviceKind = "outlook" | "thunderbird" | "apple" | "android" | "printer" | "old-phone" | "plaintext" | "rc4-era" | "tls10" | "tls11";

const BY_NAME: ReadonlyArray<[RegExp, DeviceKind]> = [
  [/outlook|microsoft|windows live mail|mapi/i, "outlook"],
  [/thunderbird|mozilla/i, "thunderbird"],
  [/iphone|ipad|ios|apple|mac ?os|macintosh/i, "apple"],
  [/android|k-9|k9|samsung|aquamail|fairemail/i, "android"],
  [/printer|scan|xerox|canon|brother|ricoh|kyocera|epson|konica|lexmark|sharp|hp ?laser|officejet|mfp/i, "printer"],
  [/blackberry|nokia|symbian/i, "old-phone"],
];

const HINTS: Readonly<Record<DeviceKind, string>> = {
  outlook: "Microsoft Outlook or Windows Mail: versions before Outlook 2016 on Windows 7/8 need TLS 1.2 switched on in Windows, or an update",
  thunderbird: "Thunderbird: any current version speaks TLS 1.2; update it",
  apple: "an iPhone, iPad or Mac mail app: iOS before 5 and macOS before 10.9 cannot use TLS 1.2",
  android: "an Android phone or app: Android before 5.0 does not use TLS 1.2 by default",
  printer: "a printer or scanner sending scans by mail: update its firmware, or let it deliver through a local relay",
  "old-phone": "an old phone (BlackBerry, Nokia): these cannot be updated to TLS 1.2",
  plaintext: "a mail program set up without encryption: switch it to SSL/TLS (port 993, 995 or 465) or STARTTLS",
  "rc4-era": "a very old device or program (Windows XP era, or a printer or scanner with an embedded TLS stack): it offers only RC4/3DES-era cipher suites",
  tls10: "an old device or program limited to TLS 1.0: typically Outlook 2010/2013 on Windows 7, Android before 5, iOS before 5, or a printer or scanner",
  tls11: "a device or program limited to TLS 1.1: typically an Android 4.x phone or an older embedded client",
};

interface HintInput {
  clientName: string | null;
  tlsVersion: string | null;
  offeredMax: string | null;
  offeredSuites: readonly string[];
  /** For handshakes: the weak suites (RC4, 3DES, export) the client offered; offering them marks it legacy too. */
  weakSuites?: readonly string[];
  plaintext: boolean;
}

/** The versions a TLS 1.2+ policy turns away; the audit's queries select legacy sign-ins by them. */
export const LEGACY_VERSIONS: readonly string[] = ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"];

/** True when the login or handshake would stop working under a TLS 1.2+ policy. */
export function isLegacy(h: Pick<HintInput, "tlsVersion" | "offeredMax" | "plaintext" | "weakSuites">): boolean {
  if (h.plaintext) return true;
  if ((h.weakSuites?.length ?? 0) > 0) return true;
  if (h.tlsVersion !== null) return LEGACY_VERSIONS.includes(h.tlsVersion);
  return h.offeredMax !== null && LEGACY_VERSIONS.includes(h.offeredMax);
}

/** The kind of device behind a legacy login or handshake, or null when it is not legacy. */
export function deviceKind(h: HintInput): DeviceKind | null {
  if (!isLegacy(h)) return null;
  if (h.clientName !== null) {
    for (const [re, kind] of BY_NAME) if (re.test(h.clientName)) return kind;
  }
  if (h.plaintext) return "plaintext";
  const max = h.tlsVersion ?? h.offeredMax;
  const onlyOld = h.offeredSuites.length > 0 && h.offeredSuites.every((s) => !/GCM|CHACHA20|CCM/.test(s));
  if (h.offeredSuites.some((s) => /RC4|3DES|DES_CBC|EXPORT/.test(s)) && onlyOld) return "rc4-era";
  if (max === "TLSv1" || max === "SSLv3" || max === "SSLv2") return "tls10";
  if (max === "TLSv1.1") return "tls11";
  // Legacy only for the weak suites it offered, with TLS 1.2 or newer.
  return "rc4-era";
}

/** The kind in English words, for the CLI (the login history's `hint`). */
export function deviceHint(kind: DeviceKind | null): string | null {
  return kind === null ? null : HINTS[kind];
}
