/** `sealpost.toml`: storage, audit, the legacy cut-off, reports, notices, the web console, ACME, processes and the log (part of SCHEMA, schema.ts). */
import type { Field } from "./field.ts";

export const OPS_SECTIONS = {
  store: {
    kind: "table",
    description: "The message store: its database, the free space it keeps, and the sweep of message files nothing refers to.",
    fields: {
      backend: {
        kind: "enum",
        values: ["sqlite", "postgres"],
        default: "sqlite",
        description:
          "Where accounts, mailboxes, the message index, the queue and the audit live: \"sqlite\" (sealpost.db in the data directory, one machine) or \"postgres\" (the database at store.postgres.url, which several Sealpost nodes can share). Message files stay files: blobs/ in the data directory, or store.postgres.blob_dir for several nodes.",
      },
      postgres: {
        kind: "table",
        description: "The PostgreSQL database of store.backend = \"postgres\".",
        fields: {
          url: {
            kind: "string",
            default: "",
            // A password is not kept here: PostgreSQL's own places for it are PGPASSWORD and ~/.pgpass.
            pattern: /^$|^postgres(?:ql)?:\/\/(?:[^:@/]+@)?[^@/?#]+\/[^/?#]+(?:\?(?![^#]*\bpassword=)[^#]*)?$/,
            patternHint: "postgres://USER@HOST:PORT/DATABASE without a password (it goes in PGPASSWORD or ~/.pgpass)",
            secret: true,
            description:
              "The database, as postgres://USER@HOST:PORT/DATABASE (make it with `createdb -O USER -E UTF8 sealpost`); the password is read from PGPASSWORD or ~/.pgpass, never from here.",
          },
          blob_dir: {
            kind: "string",
            default: "",
            description:
              "The directory of message files, shared by every node on the database (NFS, CephFS; an absolute path, or relative to the data directory); \"\" is blobs/ in the data directory, for one node.",
          },
        },
      },
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
