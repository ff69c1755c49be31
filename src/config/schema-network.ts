/** `sealpost.toml`: TLS, the listeners and the connection limits (part of SCHEMA, schema.ts). */
import type { Field } from "./field.ts";

/** What every listener table has: whether it runs, its address and port. */
const socket = (port: number, address: string, addressHint: string) =>
  ({
    enabled: { kind: "bool", default: true, description: "Run this listener." },
    address: { kind: "string", default: address, description: addressHint },
    port: { kind: "int", default: port, min: 0, max: 65535, description: "TCP port (0: any free port, logged at start; for tests)." },
  }) as const;

/** A mail listener (TLS, a protocol session). */
const listener = (port: number, what: string) =>
  ({
    kind: "table",
    description: what,
    fields: {
      ...socket(port, "0.0.0.0", 'Address to listen on ("::" for IPv6 and IPv4).'),
      min_tls_version: {
        kind: "enum",
        values: ["", "TLSv1.2", "TLSv1.3"],
        default: "",
        description: "Lowest TLS version this listener accepts; empty means tls.min_version.",
      },
    },
  }) as const satisfies Field;

/**
 * A legacy endpoint (issue 12): a mail listener of its own port that still accepts TLS 1.0 and 1.1
 * until the cut-off, for devices with a legacy grant only; off unless asked for.
 */
const legacyListener = (port: number, what: string) =>
  ({
    kind: "table",
    description: `${what} Also accepts TLS 1.0/1.1 (never SSLv2/3, RC4, 3DES, export or NULL suites), for accounts or hosts with a legacy grant only (\`sealpost legacy grant\`), until the grant's end or the cut-off (\`sealpost cutoff\`), whichever comes first.`,
    fields: {
      ...socket(port, "0.0.0.0", 'Address to listen on ("::" for IPv6 and IPv4).'),
      enabled: { kind: "bool", default: false, description: "Run this listener (off unless asked for)." },
    },
  }) as const satisfies Field;

/** A plain-HTTP listener for operators (no TLS, no sign-in): on loopback unless configured otherwise. */
const loopbackListener = (port: number, what: string) =>
  ({
    kind: "table",
    description: what,
    fields: socket(port, "127.0.0.1", "Address to listen on: it answers anyone who reaches it, so keep it on loopback or a private network."),
  }) as const satisfies Field;

export const NETWORK_SECTIONS = {
  tls: {
    kind: "table",
    description: "TLS for every listener (RFC 8996: TLS 1.0 and 1.1 are never offered).",
    fields: {
      min_version: { kind: "enum", values: ["TLSv1.2", "TLSv1.3"], default: "TLSv1.2", description: "Lowest TLS version any listener accepts." },
      handshake_timeout: {
        kind: "int",
        default: 10,
        min: 1,
        max: 600,
        description: "Seconds a client may take from connecting (or STARTTLS) to the end of the TLS handshake, on every listener: a deadline, however slowly its bytes arrive.",
      },
      ciphers: {
        kind: "string",
        default:
          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305",
        description: "TLS 1.2 cipher suites (OpenSSL names): forward-secret AEAD only, Mozilla's intermediate list.",
      },
      ciphersuites: {
        kind: "string",
        default: "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
        description: "TLS 1.3 cipher suites.",
      },
      certificates: {
        kind: "array",
        default: [],
        description: "Certificate chains and keys (PEM), one entry each; the first is the default, others are chosen by SNI.",
        of: {
          kind: "table",
          description: "A certificate chain and its private key; paths relative to the data directory.",
          fields: {
            cert: { kind: "string", description: "PEM certificate chain, leaf first." },
            key: { kind: "string", description: "PEM private key (RSA or ECDSA)." },
          },
        },
      },
    },
  },
  listeners: {
    kind: "table",
    description: "Network listeners.",
    fields: {
      mx: listener(25, "Inbound SMTP for hosted domains (RFC 5321), STARTTLS offered (RFC 3207)."),
      submission: listener(587, "Submission with STARTTLS (RFC 6409); AUTH only after TLS (RFC 4954, RFC 8314)."),
      submissions: listener(465, "Submission over implicit TLS (RFC 8314 §3.3)."),
      imap: listener(143, "IMAP with STARTTLS (RFC 9051); logins only after TLS."),
      imaps: listener(993, "IMAP over implicit TLS (RFC 8314)."),
      pop3: listener(110, "POP3 with STLS (RFC 1939, RFC 2595); logins only after TLS."),
      pop3s: listener(995, "POP3 over implicit TLS (RFC 8314)."),
      web: listener(443, "The web console over HTTPS (sign-in, login history, domain and server administration, the checker); TLS 1.2+ like the mail ports."),
      http: {
        kind: "table",
        description: "Plain HTTP on port 80: redirects to the web console's HTTPS address and answers ACME's HTTP-01 challenges (RFC 8555 §8.3); nothing else is served without TLS.",
        fields: {
          ...socket(80, "0.0.0.0", 'Address to listen on ("::" for IPv6 and IPv4).'),
          enabled: { kind: "bool", default: false, description: "Run this listener (off unless asked for; [acme] with http-01 among its challenges runs it too)." },
        },
      },
      legacy_imaps: legacyListener(1993, "Legacy IMAP over implicit TLS."),
      legacy_pop3s: legacyListener(1995, "Legacy POP3 over implicit TLS."),
      legacy_submissions: legacyListener(1465, "Legacy submission over implicit TLS."),
      legacy_smtp: legacyListener(2525, "Legacy inbound SMTP with STARTTLS, for sending hosts with a grant (an old scanner)."),
      metrics: loopbackListener(9225, "Prometheus metrics over plain HTTP: GET /metrics (text exposition format)."),
    },
  },
  connections: {
    kind: "table",
    description: "Connection limits of every listener (SMTP, submission, IMAP, POP3).",
    fields: {
      max_connections: {
        kind: "int",
        default: 1000,
        min: 1,
        max: 1_000_000,
        description: "Concurrent connections per listener. When it is full, the oldest idle connection that has not signed in (on the MX: that holds no transaction; a TLS handshake counts as idle) gives way to the new client.",
      },
      max_connections_per_ip: { kind: "int", default: 50, min: 1, max: 100_000, description: "Concurrent connections to one listener from one client address, an IPv6 client counted per /64 (Postfix's smtpd_client_connection_count_limit)." },
      min_data_rate: {
        kind: "int",
        default: 500,
        min: 0,
        max: 1_000_000_000,
        description: "Bytes per second: each byte a client sends extends its current deadline by 1/rate seconds, so a large message or literal may take longer than the timeout but a trickle gains nothing (Postfix's smtpd_min_data_rate; 0: no extension).",
      },
    },
  },
} as const satisfies Record<string, Field>;
