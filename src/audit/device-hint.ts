/**
 * A plain-language guess at what kind of device or program a legacy login came from, from the
 * client's own name (IMAP ID, EHLO) or, when it gave none, from what its TLS hello offered. The
 * provider notices (mail.de, the hoster) name the usual suspects: old Outlook on Windows 7,
 * Android before 5, iOS before 5, printers and scanners that mail their scans.
 */

const BY_NAME: ReadonlyArray<[RegExp, string]> = [
  [/outlook|microsoft|windows live mail|mapi/i, "Microsoft Outlook or Windows Mail: versions before Outlook 2016 on Windows 7/8 need TLS 1.2 switched on in Windows, or an update"],
  [/thunderbird|mozilla/i, "Thunderbird: any current version speaks TLS 1.2; update it"],
  [/iphone|ipad|ios|apple|mac ?os|macintosh/i, "an iPhone, iPad or Mac mail app: iOS before 5 and macOS before 10.9 cannot use TLS 1.2"],
  [/android|k-9|k9|samsung|aquamail|fairemail/i, "an Android phone or app: Android before 5.0 does not use TLS 1.2 by default"],
  [/printer|scan|xerox|canon|brother|ricoh|kyocera|epson|konica|lexmark|sharp|hp ?laser|officejet|mfp/i, "a printer or scanner sending scans by mail: update its firmware, or let it deliver through a local relay"],
  [/blackberry|nokia|symbian/i, "an old phone (BlackBerry, Nokia): these cannot be updated to TLS 1.2"],
];

interface HintInput {
  clientName: string | null;
  tlsVersion: string | null;
  offeredMax: string | null;
  offeredSuites: readonly string[];
  plaintext: boolean;
}

const LEGACY_VERSIONS = new Set(["SSLv2", "SSLv3", "TLSv1", "TLSv1.1"]);

/** True when the login or handshake would stop working under a TLS 1.2+ policy. */
export function isLegacy(h: Pick<HintInput, "tlsVersion" | "offeredMax" | "plaintext">): boolean {
  if (h.plaintext) return true;
  if (h.tlsVersion !== null) return LEGACY_VERSIONS.has(h.tlsVersion);
  return h.offeredMax !== null && LEGACY_VERSIONS.has(h.offeredMax);
}

export function deviceHint(h: HintInput): string | null {
  if (!isLegacy(h)) return null;
  if (h.clientName !== null) {
    for (const [re, hint] of BY_NAME) if (re.test(h.clientName)) return hint;
  }
  if (h.plaintext) return "a mail program set up without encryption: switch it to SSL/TLS (port 993, 995 or 465) or STARTTLS";
  const max = h.tlsVersion ?? h.offeredMax;
  const onlyOld = h.offeredSuites.length > 0 && h.offeredSuites.every((s) => !/GCM|CHACHA20|CCM/.test(s));
  if (h.offeredSuites.some((s) => /RC4|3DES|DES_CBC|EXPORT/.test(s)) && onlyOld) {
    return "a very old device or program (Windows XP era, or a printer or scanner with an embedded TLS stack): it offers only RC4/3DES-era cipher suites";
  }
  if (max === "TLSv1" || max === "SSLv3") {
    return "an old device or program limited to TLS 1.0: typically Outlook 2010/2013 on Windows 7, Android before 5, iOS before 5, or a printer or scanner";
  }
  return "a device or program limited to TLS 1.1: typically an Android 4.x phone or an older embedded client";
}
