/** `sealpost.toml`: the mail protocols, sign-in, the queue, delivery and DNS (part of SCHEMA, schema.ts). */
import type { Field } from "./field.ts";

export const MAIL_SECTIONS = {
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
} as const satisfies Record<string, Field>;
