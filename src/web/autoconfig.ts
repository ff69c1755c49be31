/**
 * The documents mail programs set themselves up from (issue 14): Thunderbird's autoconfig
 * ("clientConfig" version 1.1, as Thunderbird's ISPDB serves it), Microsoft's Autodiscover (POX,
 * MS-OXDSCLI: the Outlook response schema 2006a) and Apple's configuration profile
 * (`com.apple.mail.managed`, Apple's Configuration Profile Reference).
 *
 * They offer only TLS endpoints under the host name on the certificate: IMAP on imaps (993), POP3 on
 * pop3s (995), submission with implicit TLS (465, RFC 8314 §3.3) and with STARTTLS (587, RFC 3207).
 * Never the plaintext-first IMAP and POP3 ports (143, 110: RFC 8314 §4.1 prefers implicit TLS, and
 * a client told "STARTTLS on 143" may fall back to plaintext), never the legacy endpoint (it exists
 * for old devices with a grant, not for new set-ups), and never a listener that is off.
 *
 * Every value goes into the XML through `xml` (html.ts), which escapes it: an address from a query
 * string cannot become markup.
 */
import { createHash } from "node:crypto";
import { CLIENT_SERVICES } from "../directory/index.ts";
import type { MailSettings } from "./deps.ts";
import { Html, xml } from "./html.ts";
import type { Text } from "./text-en.ts";

/** One way in for a mail program: which protocol, which port, and how TLS starts. */
interface Endpoint {
  protocol: "imap" | "pop3" | "smtp";
  port: number;
  /** "implicit": TLS from the first byte (RFC 8314); "starttls": upgraded before anything else (RFC 3207). */
  tls: "implicit" | "starttls";
}

/** The TLS endpoints of the enabled listeners, best first per protocol (the directory's one list); `imap` and `pop3` (plaintext first) never. */
export function tlsEndpoints(s: MailSettings): Endpoint[] {
  return CLIENT_SERVICES.flatMap((c) => {
    const port = s[c.listener];
    return port === null ? [] : [{ protocol: c.protocol, port, tls: c.tls }];
  });
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * Thunderbird's autoconfig for a hosted domain. `address` is the one the client asked about: it is
 * the user name (Sealpost signs in with the whole address); without one, Thunderbird's placeholder
 * `%EMAILADDRESS%` lets the client fill in what the user typed.
 */
export function thunderbirdConfig(s: MailSettings, domain: string, address: string | null): string {
  const username = address ?? "%EMAILADDRESS%";
  const server = (e: Endpoint): Html => {
    const settings = xml`
      <hostname>${s.hostname}</hostname>
      <port>${e.port}</port>
      <socketType>${e.tls === "implicit" ? "SSL" : "STARTTLS"}</socketType>
      <username>${username}</username>
      <authentication>password-cleartext</authentication>`;
    return e.protocol === "smtp"
      ? xml`
    <outgoingServer type="smtp">${settings}
    </outgoingServer>`
      : xml`
    <incomingServer type="${e.protocol}">${settings}
    </incomingServer>`;
  };
  const endpoints = tlsEndpoints(s);
  // Thunderbird takes the first incoming server of a type as the default: IMAP before POP3, 465 before 587.
  return (
    XML_DECLARATION +
    xml`<clientConfig version="1.1">
  <emailProvider id="${domain}">
    <domain>${domain}</domain>
    <displayName>${domain}</displayName>
    <displayShortName>${domain}</displayShortName>${endpoints.filter((e) => e.protocol !== "smtp").map(server)}${endpoints.filter((e) => e.protocol === "smtp").map(server)}
  </emailProvider>
</clientConfig>
`.toString()
  );
}

const AUTODISCOVER_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
/** The only response schema served: Outlook's (MS-OXDSCLI §2.2.4). Mobile sync (ActiveSync) is not Sealpost's. */
export const OUTLOOK_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

/** Outlook's Autodiscover answer (POX) for `address` in a hosted domain. */
export function autodiscoverResponse(s: MailSettings, address: string): string {
  const protocol = (e: Endpoint): Html => xml`
      <Protocol>
        <Type>${e.protocol.toUpperCase()}</Type>
        <Server>${s.hostname}</Server>
        <Port>${e.port}</Port>
        <LoginName>${address}</LoginName>
        <DomainRequired>off</DomainRequired>
        <SPA>off</SPA>
        <SSL>on</SSL>${e.tls === "starttls" ? xml`
        <Encryption>TLS</Encryption>` : xml`
        <Encryption>SSL</Encryption>`}
        <AuthRequired>on</AuthRequired>
      </Protocol>`;
  // MS-OXDSCLI §2.2.4.1.1.2.4.1.20: Encryption overrides SSL; "TLS" is STARTTLS, "SSL" TLS from the first byte.
  return (
    XML_DECLARATION +
    xml`<Autodiscover xmlns="${AUTODISCOVER_NS}">
  <Response xmlns="${OUTLOOK_SCHEMA}">
    <Account>
      <AccountType>email</AccountType>
      <Action>settings</Action>${tlsEndpoints(s).map(protocol)}
    </Account>
  </Response>
</Autodiscover>
`.toString()
  );
}

/**
 * MS-OXDSCLI §2.2.4.1.1.3.2: 500 the address cannot be found, 600 invalid request (the XML was not
 * well formed or lacks the address), 601 no configuration of the requested type (a response schema
 * other than Outlook's).
 */
export const AutodiscoverCode = { NOT_FOUND: 500, INVALID_REQUEST: 600, NO_SUCH_SCHEMA: 601 } as const;
type AutodiscoverCode = (typeof AutodiscoverCode)[keyof typeof AutodiscoverCode];

/** An Autodiscover error document (MS-OXDSCLI §2.2.4.1.1.3). `time` is when it was made (the Time attribute). */
export function autodiscoverError(code: AutodiscoverCode, message: string, time: Date): string {
  return (
    XML_DECLARATION +
    xml`<Autodiscover xmlns="${AUTODISCOVER_NS}">
  <Response xmlns="${OUTLOOK_SCHEMA}">
    <Error Time="${time.toISOString().slice(11, 23)}" Id="0">
      <ErrorCode>${code}</ErrorCode>
      <Message>${message}</Message>
      <DebugData />
    </Error>
  </Response>
</Autodiscover>
`.toString()
  );
}

/** RFC 9562 §5.5: a name-based UUID (SHA-1, version 5) in the URL namespace: the same account always gets the same one. */
function nameUuid(name: string): string {
  const urlNamespace = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");
  const h = createHash("sha1").update(urlNamespace).update(name, "utf8").digest().subarray(0, 16);
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`.toUpperCase();
}

/** Property-list values (Apple's plist DTD): strings, integers, booleans. */
function plistValue(v: string | number | boolean): Html {
  if (typeof v === "boolean") return v ? xml`<true/>` : xml`<false/>`;
  if (typeof v === "number") return xml`<integer>${Math.trunc(v)}</integer>`;
  return xml`<string>${v}</string>`;
}

function plistDict(entries: ReadonlyArray<readonly [string, string | number | boolean | Html]>, indent: string): Html {
  return xml`${indent}<dict>
${entries.map(([k, v]) => xml`${indent}  <key>${k}</key>${v instanceof Html ? v : plistValue(v)}
`)}${indent}</dict>`;
}

/**
 * Apple's configuration profile for one account: one `com.apple.mail.managed` payload with IMAP over
 * TLS (imaps) and outgoing mail on 465 (or 587 with STARTTLS when 465 is off: Apple's UseSSL then
 * means STARTTLS). No password: the device asks for it. Unsigned (a signature needs a certificate
 * the device trusts; the profile then shows as "Not Verified", and holds nothing secret).
 * Its descriptions are in the words of `t` (the page's language: the device shows them on install).
 * Null when the server has no IMAP over TLS or no submission port to offer.
 */
export function appleProfile(s: MailSettings, address: string, t: Pick<Text["account"], "profileName" | "profileDescription" | "profileAccount">): { body: string; filename: string } | null {
  const outgoing = tlsEndpoints(s).find((e) => e.protocol === "smtp");
  if (s.imaps === null || outgoing === undefined) return null;
  const domain = address.slice(address.lastIndexOf("@") + 1);
  // PayloadIdentifier: reverse-DNS, unique per account, stable (installing it again replaces it).
  const id = `${s.hostname.split(".").reverse().join(".")}.sealpost.mail.${nameUuid(`mailto:${address}`).toLowerCase()}`;
  const account = plistDict(
    [
      ["EmailAccountDescription", address],
      ["EmailAccountType", "EmailTypeIMAP"],
      ["EmailAddress", address],
      ["IncomingMailServerAuthentication", "EmailAuthPassword"],
      ["IncomingMailServerHostName", s.hostname],
      ["IncomingMailServerPortNumber", s.imaps],
      ["IncomingMailServerUseSSL", true],
      ["IncomingMailServerUsername", address],
      ["OutgoingMailServerAuthentication", "EmailAuthPassword"],
      ["OutgoingMailServerHostName", s.hostname],
      ["OutgoingMailServerPortNumber", outgoing.port],
      ["OutgoingMailServerUseSSL", true],
      ["OutgoingMailServerUsername", address],
      ["OutgoingPasswordSameAsIncomingPassword", true],
      ["PayloadDescription", t.profileAccount(address)],
      ["PayloadDisplayName", address],
      ["PayloadIdentifier", `${id}.account`],
      ["PayloadType", "com.apple.mail.managed"],
      ["PayloadUUID", nameUuid(`mailto:${address}?payload=account&host=${s.hostname}`)],
      ["PayloadVersion", 1],
    ],
    "    ",
  );
  const profile = plistDict(
    [
      ["PayloadContent", xml`
  <array>
${account}
  </array>`],
      ["PayloadDescription", t.profileDescription(address, s.hostname)],
      ["PayloadDisplayName", t.profileName(address)],
      ["PayloadIdentifier", id],
      ["PayloadRemovalDisallowed", false],
      ["PayloadType", "Configuration"],
      ["PayloadUUID", nameUuid(`mailto:${address}?payload=profile&host=${s.hostname}`)],
      ["PayloadVersion", 1],
    ],
    "",
  );
  const body = `${XML_DECLARATION}<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
${profile.toString()}
</plist>
`;
  return { body, filename: `mail-${domain.replace(/[^a-z0-9.-]/gi, "_")}.mobileconfig` };
}
