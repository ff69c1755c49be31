/**
 * `sealpost.toml`: one typed schema, a description on every field. `loadConfig` checks every key
 * and reports the first problem as one line that names the key ("smtp.max_recipients: expected an
 * integer from 1 to 100000, got "lots"").
 */

/** A field of the config: its type, default and the sentence `sealpost init` writes above it. */
export type Field =
  | { kind: "string"; description: string; default?: string; pattern?: RegExp; patternHint?: string }
  | { kind: "enum"; description: string; default?: string; values: readonly string[] }
  | { kind: "int"; description: string; default?: number; min: number; max: number }
  | { kind: "bool"; description: string; default?: boolean }
  | { kind: "table"; description: string; fields: Record<string, Field> }
  | { kind: "array"; description: string; of: Field; default?: readonly unknown[] };

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

export const SCHEMA = {
  hostname: {
    kind: "string",
    description: "This server's host name: greeting, EHLO, Received headers, certificate.",
    pattern: /^[A-Za-z0-9.-]{1,253}$/,
    patternHint: "a host name",
  },
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
  smtp: {
    kind: "table",
    description: "SMTP server limits (Postfix's defaults where it has one).",
    fields: {
      max_message_size: { kind: "int", default: 26_214_400, min: 1024, max: 2_147_483_647, description: "Largest message in bytes (SIZE, RFC 1870)." },
      max_recipients: { kind: "int", default: 100, min: 1, max: 100_000, description: "Recipients per message (RFC 5321 §4.5.3.1.8: at least 100)." },
      command_timeout: {
        kind: "int",
        default: 300,
        min: 1,
        max: 3600,
        description: "Seconds a client may take to send each command, counted from the previous reply: a deadline that trickled bytes do not reset (RFC 5321 §4.5.3.2.7: 5 minutes).",
      },
      data_timeout: {
        kind: "int",
        default: 180,
        min: 1,
        max: 3600,
        description: "Seconds a client may take to send the DATA body, plus what its bytes earn at connections.min_data_rate (RFC 5321 §4.5.3.2.5: 3 minutes).",
      },
      login_timeout: {
        kind: "int",
        default: 60,
        min: 1,
        max: 3600,
        description: "Seconds from connecting until a client has authenticated (submission) or given MAIL (MX).",
      },
      max_errors: { kind: "int", default: 20, min: 1, max: 1000, description: "Errors in one session before 421 and close (Postfix's smtpd_hard_error_limit)." },
      junk_command_limit: {
        kind: "int",
        default: 100,
        min: 1,
        max: 100_000,
        description: "NOOP, RSET, VRFY and HELP commands a session may send (between accepted messages) before each further one counts as an error toward max_errors (Postfix's smtpd_junk_command_limit).",
      },
      authentication: {
        kind: "bool",
        default: true,
        description:
          "Check the senders of mail arriving on the MX (SPF, DKIM, DMARC, ARC) and add an Authentication-Results header: DMARC p=reject failures and mail claiming a hosted domain without SPF or DKIM get 550 5.7.1, p=quarantine failures go to the Junk folder (false: none of this, as for the benchmark).",
      },
      authentication_timeout: {
        kind: "int",
        default: 20,
        min: 1,
        max: 300,
        description: "Seconds the sender checks of one message may take in all (their DNS lookups): past it, what is unanswered counts as a temporary DNS error (temperror) and the message is accepted.",
      },
    },
  },
  imap: {
    kind: "table",
    description: "IMAP server limits.",
    fields: {
      idle_timeout: { kind: "int", default: 1800, min: 1, max: 86_400, description: "Seconds a logged-in client may stay silent (RFC 9051 §5.4: at least 30 minutes)." },
      login_timeout: { kind: "int", default: 60, min: 1, max: 3600, description: "Seconds from connecting until a client has logged in: a deadline, not an idle timer." },
      max_literal: { kind: "int", default: 52_428_800, min: 1024, max: 2_147_483_647, description: "Largest literal (e.g. an APPENDed message) in bytes." },
      max_bad_commands: { kind: "int", default: 20, min: 1, max: 1000, description: "Invalid commands in one session before the server disconnects." },
    },
  },
  pop3: {
    kind: "table",
    description: "POP3 server limits.",
    fields: {
      idle_timeout: { kind: "int", default: 600, min: 1, max: 3600, description: "Seconds a client may take to send each command (RFC 1939 §3: at least 10 minutes)." },
      login_timeout: { kind: "int", default: 60, min: 1, max: 3600, description: "Seconds from connecting until a client has logged in: a deadline, not an idle timer." },
      max_bad_commands: { kind: "int", default: 20, min: 1, max: 1000, description: "Bad commands in one session before the server disconnects." },
    },
  },
  auth: {
    kind: "table",
    description: "Logins on IMAP, POP3 and submission: failure delay and rate limits. A check in progress counts against every limit (an attempt waits while checks in flight fill one); once failures fill one, attempts get a temporary refusal without a password check.",
    fields: {
      failure_delay_ms: { kind: "int", default: 2000, min: 0, max: 60_000, description: "Delay before a failed or refused login is answered (Dovecot's auth_failure_delay)." },
      credential_cache_ttl: {
        kind: "int",
        default: 3600,
        min: 0,
        max: 86_400,
        description:
          "Seconds a password verified at a sign-in stays in the in-memory cache of verified credentials (as Dovecot's auth_cache_ttl), so that the next sign-in with it skips the scrypt check; 0 turns the cache off. Kept under a keyed hash, never the password; a changed password, role or disabling takes effect at once.",
      },
      credential_cache_size: {
        kind: "int",
        default: 10_000,
        min: 1,
        max: 1_000_000,
        description: "Verified credentials the cache holds at most (about 300 bytes each); the least recently used give way.",
      },
      max_failures_per_ip: { kind: "int", default: 10, min: 1, max: 100_000, description: "Failed logins from one client address within the window before further attempts from it are refused (mox: 10 a minute)." },
      max_failures_per_network: {
        kind: "int",
        default: 30,
        min: 1,
        max: 1_000_000,
        description: "Failed logins from one network (an IPv4 /24, an IPv6 /64) within the window before further attempts from it are refused (mox: 30 a minute).",
      },
      max_failures_per_user: {
        kind: "int",
        default: 5,
        min: 1,
        max: 100_000,
        description: "Failed logins for one user name from one client address within the window before that address may no longer try that name; the account's owner elsewhere is not affected.",
      },
      failure_window: { kind: "int", default: 300, min: 1, max: 86_400, description: "Seconds over which failed logins are counted, from the first one." },
    },
  },
  queue: {
    kind: "table",
    description: "The outbound queue: concurrency, retries and lifetime (Postfix's defaults).",
    fields: {
      concurrency: { kind: "int", default: 100, min: 1, max: 10_000, description: "Deliveries in progress at once, over all destinations (Postfix's default_process_limit)." },
      per_destination: { kind: "int", default: 20, min: 1, max: 10_000, description: "Deliveries in progress at once to one destination domain (default_destination_concurrency_limit)." },
      min_backoff: { kind: "int", default: 300, min: 1, max: 86_400, description: "Seconds before the first retry of a temporary failure (minimal_backoff_time); doubles per attempt." },
      max_backoff: { kind: "int", default: 4000, min: 1, max: 604_800, description: "Longest wait between retries, seconds (maximal_backoff_time)." },
      lifetime: { kind: "int", default: 432_000, min: 1, max: 8_640_000, description: "Seconds a message may stay in the queue before it is returned to its sender (maximal_queue_lifetime: 5 days)." },
      max_recipients_per_attempt: { kind: "int", default: 50, min: 1, max: 1000, description: "Recipients of one message sent in one SMTP transaction (smtp_destination_recipient_limit)." },
    },
  },
  delivery: {
    kind: "table",
    description: "Outbound SMTP: the TLS level per destination and how the server reaches other servers.",
    fields: {
      tls_policy: {
        kind: "enum",
        values: ["may", "encrypt", "verify", "verify-once"],
        default: "may",
        description: "Default TLS level: may (STARTTLS when offered), encrypt (TLS 1.2+ required), verify (and a valid certificate naming the MX), verify-once (verify, and a TLS failure returns the message at once).",
      },
      policies: {
        kind: "array",
        default: [],
        description: "TLS level per destination domain ({ domain = \"example.net\", level = \"verify\" }); `sealpost policy set` adds more.",
        of: {
          kind: "table",
          description: "A destination domain and its TLS level.",
          fields: {
            domain: { kind: "string", description: "Destination domain.", pattern: /^[A-Za-z0-9.-]{1,253}$/, patternHint: "a domain name" },
            level: { kind: "enum", values: ["may", "encrypt", "verify", "verify-once"], description: "TLS level for this domain." },
          },
        },
      },
      mta_sts: { kind: "bool", default: true, description: "Honour MTA-STS policies (RFC 8461): an enforce policy makes delivery verify the certificate against the policy's MX names." },
      dane: {
        kind: "bool",
        default: true,
        description:
          "Honour DANE (RFC 7672): where a destination's MX and TLSA records are DNSSEC-validated, TLS is mandatory and the certificate must match the TLSA records. Needs a validating resolver on this machine (e.g. unbound on 127.0.0.1) in [dns] servers or /etc/resolv.conf: no other resolver's validation is trusted, and without one DANE stays off.",
      },
      remote_port: { kind: "int", default: 25, min: 1, max: 65535, description: "Port of remote MX hosts (25; tests use high loopback ports)." },
      mta_sts_port: { kind: "int", default: 443, min: 1, max: 65535, description: "HTTPS port of MTA-STS policy hosts (443; tests use high loopback ports)." },
      ca_file: { kind: "string", default: "", description: "Extra trust anchors (PEM) for verify, besides the system's roots; relative to the data directory." },
      connect_timeout: { kind: "int", default: 30, min: 1, max: 600, description: "Seconds to wait for a TCP connection to an MX host (smtp_connect_timeout)." },
    },
  },
  dns: {
    kind: "table",
    description: "DNS lookups for outbound mail (MX, addresses, MTA-STS).",
    fields: {
      servers: {
        kind: "array",
        default: [],
        description: "Resolvers as \"ADDRESS:PORT\"; empty means the system's (/etc/resolv.conf).",
        of: { kind: "string", description: "A resolver address.", pattern: /^[0-9A-Fa-f.:[\]]+$/, patternHint: "an address like 127.0.0.1:53" },
      },
      timeout_ms: { kind: "int", default: 5000, min: 100, max: 60_000, description: "Milliseconds to wait for one DNS answer." },
    },
  },
  store: {
    kind: "table",
    description: "The data directory's message store: the free space it keeps, and the sweep of message files nothing refers to.",
    fields: {
      min_free_space: {
        kind: "int",
        default: 100,
        min: 0,
        max: 100_000_000,
        description:
          "Megabytes kept free on the data directory's file system (Postfix's queue_minfree): a message that would leave less is refused (SMTP 452 4.3.1, IMAP NO [OVERQUOTA]); MAIL also wants room for 1.5 times the message (its SIZE, else smtp.max_message_size).",
      },
      free_space_cache_ms: {
        kind: "int",
        default: 1000,
        min: 0,
        max: 60_000,
        description: "Milliseconds a free-space reading (statfs) is reused while it admits mail (a refusal rests on one at most a second old); the server's own writes in between are counted.",
      },
      sweep_interval: { kind: "int", default: 3600, min: 1, max: 604_800, description: "Seconds between sweeps for message files no message and no queue entry refers to (one also runs at start)." },
      sweep_grace: {
        kind: "int",
        default: 3600,
        min: 0,
        max: 604_800,
        description: "Seconds after it was written before the sweep may remove a message file nothing refers to: a write in another process may still be on its way to its commit (`sealpost store sweep` waits at least 60).",
      },
    },
  },
  audit: {
    kind: "table",
    description: "Audit records (TLS events, SMTP sessions, logins, delivery attempts) and how long they are kept.",
    fields: {
      flush_ms: { kind: "int", default: 200, min: 1, max: 60_000, description: "Longest time an audit record waits to be written." },
      retention_days: {
        kind: "int",
        default: 90,
        min: 1,
        max: 36_500,
        description:
          "Days login history, TLS events, SMTP session and recipient records and delivery attempts are kept (they hold IP and mail addresses; GDPR Art. 5(1)(e)); pruned daily. Attempts of mail still queued are kept until it leaves the queue.",
      },
    },
  },
  legacy: {
    kind: "table",
    description: "The legacy endpoints' TLS (`[listeners.legacy_*]`): what they add for TLS 1.0/1.1 clients with a grant.",
    fields: {
      min_version: { kind: "enum", values: ["TLSv1", "TLSv1.1"], default: "TLSv1", description: "Lowest TLS version a legacy listener accepts before the cut-off (never SSLv3)." },
      ciphers: {
        kind: "string",
        default: "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA:DHE-RSA-AES256-SHA:AES128-SHA:AES256-SHA",
        description: "TLS 1.0/1.1 cipher suites (OpenSSL names) a legacy listener offers besides tls.ciphers: AES-CBC with SHA-1 (RFC 8996's old clients); RC4, 3DES, export, NULL and anonymous suites are refused.",
      },
    },
  },
  tls_reports: {
    kind: "table",
    description: "TLS reporting (RFC 8460): once a day, a report of the previous day's TLS sessions to each destination domain that asks for one in its _smtp._tls TXT record.",
    fields: {
      enabled: { kind: "bool", default: true, description: "Send the daily reports (reports other servers send to tls-reports@ of our domains are read either way)." },
      contact: { kind: "string", default: "", description: "The reports' contact-info: an address or URL the receiving domains may write to; empty means postmaster@ the host name." },
      https_private: {
        kind: "bool",
        default: false,
        description: "Allow reports to be POSTed to private, loopback and link-local addresses (an https: rua); off, so a record cannot make this server reach into its own network. Tests turn it on.",
      },
    },
  },
  notices: {
    kind: "table",
    description: "Mail Sealpost itself sends to its users (the cut-off notices).",
    fields: {
      language: { kind: "enum", values: ["en", "de"], default: "en", description: "Language of notices to accounts that have not chosen one (`sealpost user language`, or the language switch on the web console)." },
    },
  },
  web: {
    kind: "table",
    description: "The web console's sessions and limits.",
    fields: {
      session_idle: { kind: "int", default: 1800, min: 60, max: 86_400, description: "Seconds a signed-in browser may stay idle before it must sign in again." },
      session_max: { kind: "int", default: 43_200, min: 300, max: 2_592_000, description: "Seconds a sign-in lasts at most, however active (OWASP: an absolute timeout)." },
      check_per_hour: { kind: "int", default: 20, min: 1, max: 10_000, description: "TLS checks one account may run per hour from the checker page." },
    },
  },
  acme: {
    kind: "table",
    description: "Certificates from an ACME CA (RFC 8555; Let's Encrypt by default) for the host name and each hosted domain's mta-sts. and autoconfig. names, renewed before they expire (README: ACME certificates).",
    fields: {
      enabled: {
        kind: "bool",
        default: false,
        description: "Order and renew certificates (off unless asked for, so that no test or developer machine talks to a CA by accident). Read at start: a change needs a restart.",
      },
      directory_url: {
        kind: "string",
        default: "https://acme-v02.api.letsencrypt.org/directory",
        pattern: /^https:\/\/[\x21-\x7e]+$/,
        patternHint: "an https:// URL",
        description: "The CA's ACME directory: Let's Encrypt's (its staging one for a trial: https://acme-staging-v02.api.letsencrypt.org/directory), or a private ACME CA's.",
      },
      email: {
        kind: "string",
        default: "",
        pattern: /^$|^[^\s@]+@[^\s@]+$/,
        patternHint: "an email address",
        description: "Contact address the CA is given for notices about the account and its certificates (RFC 8555 §7.3); empty: none.",
      },
      challenge: {
        kind: "array",
        default: ["tls-alpn-01", "http-01"],
        description: "Challenge types in order of preference: tls-alpn-01 (RFC 8737) on the web listener's port 443, http-01 (RFC 8555 §8.3) on [listeners.http]'s port 80. After a failed attempt the next one starts with the next type.",
        of: { kind: "enum", values: ["tls-alpn-01", "http-01"], description: "A challenge type." },
      },
      ca_file: { kind: "string", default: "", description: "Trust anchors (PEM) for the ACME server's own HTTPS, besides the system's roots (a private ACME CA); relative to the data directory." },
      renew_before_days: {
        kind: "int",
        default: 30,
        min: 1,
        max: 365,
        description: "Renew a certificate when fewer days than this are left (or half its lifetime, when that is less: a short-lived certificate is not renewed at every check).",
      },
    },
  },
  process: {
    kind: "table",
    description: "How many processes share the work (issue 13): the listeners, the sessions and the database are shared; what must be global (connection and sign-in limits, mailbox notifications) stays global.",
    fields: {
      workers: { kind: "int", default: 1, min: 1, max: 64, description: "Worker processes that serve the mail connections while the primary binds the listeners and keeps what is global (README: Process model); 1 runs everything in one process. Read at start: a change needs a restart." },
    },
  },
  log: {
    kind: "table",
    description: "The process log: JSON lines on stderr (in words on a terminal), each line of a connection with its session id.",
    fields: {
      level: {
        kind: "enum",
        values: ["debug", "info", "warn", "error"],
        default: "info",
        description: "Lowest level written: debug adds TLS details and error stacks; info has connections, sign-ins and refusals.",
      },
    },
  },
} as const satisfies Record<string, Field>;
