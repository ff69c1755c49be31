/** What the server's parts are configured with, read from the loaded config (all processes alike). */
import { managedCertificates, type AcmeSettings } from "../acme/index.ts";
import { ConfigError, databaseOptions, readCaFile, type Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import type { AuthLimits } from "../auth/index.ts";
import type { ImapLimits } from "../imap-server/index.ts";
import type { Pop3Limits } from "../pop3-server/index.ts";
import type { SenderCheckSettings, SmtpLimits } from "../smtp-server/index.ts";
import type { CertificateSpec, TlsContextPolicy } from "../tls/index.ts";

export function contextPolicy(config: Config) {
  return { minVersion: config.tls.min_version, ciphers: config.tls.ciphers, ciphersuites: config.tls.ciphersuites } satisfies TlsContextPolicy;
}

/** The legacy endpoint's contexts (issue 12): [legacy] min_version, tls.ciphers and [legacy] ciphers for ≤ 1.2, the same TLS 1.3 suites. */
export function legacyContextPolicy(config: Config): TlsContextPolicy {
  const ciphers = [config.tls.ciphers, config.legacy.ciphers].filter((c) => c !== "").join(":");
  return { minVersion: config.legacy.min_version, ciphers, ciphersuites: config.tls.ciphersuites, legacy: true };
}

/** The legacy listeners (issue 12), each a main listener's protocol on its own port. */
export const LEGACY_LISTENERS = ["legacy_imaps", "legacy_pop3s", "legacy_submissions", "legacy_smtp"] as const;

/** Every listener of a mail protocol (mail.ts builds them; with workers, the primary binds them and the workers serve them). */
export const MAIL_LISTENERS = ["mx", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", ...LEGACY_LISTENERS] as const;

export function smtpLimits(config: Config): SmtpLimits {
  return {
    maxMessageSize: config.smtp.max_message_size,
    maxRecipients: config.smtp.max_recipients,
    commandTimeoutMs: config.smtp.command_timeout * 1000,
    dataTimeoutMs: config.smtp.data_timeout * 1000,
    signInTimeoutMs: config.smtp.login_timeout * 1000,
    minDataRate: config.connections.min_data_rate,
    maxErrors: config.smtp.max_errors,
    junkCommandLimit: config.smtp.junk_command_limit,
    maxLineLength: 2048,
  };
}

/** The MX's sender checks (issue 15): `[smtp] authentication`, its deadline, and the resolvers of `[dns]`. */
export function senderCheckSettings(config: Config): SenderCheckSettings {
  return {
    enabled: config.smtp.authentication,
    hostname: config.hostname,
    deadlineMs: config.smtp.authentication_timeout * 1000,
    dns: { servers: config.dns.servers, timeoutMs: config.dns.timeout_ms },
  };
}

export function authLimits(config: Config): AuthLimits {
  return {
    failureDelayMs: config.auth.failure_delay_ms,
    maxFailuresPerIp: config.auth.max_failures_per_ip,
    maxFailuresPerNetwork: config.auth.max_failures_per_network,
    maxFailuresPerUser: config.auth.max_failures_per_user,
    windowMs: config.auth.failure_window * 1000,
    credentialCache: { ttlMs: config.auth.credential_cache_ttl * 1000, maxEntries: config.auth.credential_cache_size },
  };
}

export function imapLimits(config: Config): ImapLimits {
  return {
    idleTimeoutMs: config.imap.idle_timeout * 1000,
    loginTimeoutMs: config.imap.login_timeout * 1000,
    maxLiteral: config.imap.max_literal,
    maxBadCommands: config.imap.max_bad_commands,
    minDataRate: config.connections.min_data_rate,
  };
}

export function pop3Limits(config: Config): Pop3Limits {
  return {
    idleTimeoutMs: config.pop3.idle_timeout * 1000,
    loginTimeoutMs: config.pop3.login_timeout * 1000,
    maxBadCommands: config.pop3.max_bad_commands,
    minDataRate: config.connections.min_data_rate,
  };
}

/** How the server's processes open the store: its database, the WAL fsynced off the event loop before a reply, the free-space floor. */
export function storeOptions(dataDir: string, config: () => Config, log: Logger) {
  return {
    ...databaseOptions(config(), dataDir),
    auditFlushMs: config().audit.flush_ms,
    durability: "async-wal-fsync",
    space: {
      minFree: () => config().store.min_free_space * 1024 * 1024,
      cacheMs: () => config().store.free_space_cache_ms,
      onChange: (low: boolean, detail: string) => (low ? log.error(`storage: refusing new mail, ${detail}`) : log.info(`storage: accepting mail again, ${detail}`)),
    },
  } as const;
}

/**
 * `[acme]` as the manager reads it. TLS-ALPN-01 is answered on the web listener: without it only
 * HTTP-01 is tried. Throws a one-line ConfigError when no challenge type is left, or for an
 * unreadable ca_file.
 */
export function acmeSettings(config: Config, dataDir: string): AcmeSettings {
  const a = config.acme;
  const challenges = [...new Set(a.challenge)].filter((c) => c !== "tls-alpn-01" || config.listeners.web.enabled);
  if (challenges.length === 0) {
    throw new ConfigError(
      a.challenge.length === 0
        ? 'acme.challenge: name at least one of "tls-alpn-01", "http-01"'
        : "acme.challenge: tls-alpn-01 is answered on the web listener, which is off; turn [listeners.web] on or add http-01",
    );
  }
  return {
    directoryUrl: a.directory_url,
    email: a.email,
    challenges,
    ca: readCaFile("acme.ca_file", dataDir, a.ca_file),
    renewBeforeDays: a.renew_before_days,
  };
}

/** The certificates ACME keeps in the data directory, while `[acme]` is on (every serving process loads them). */
export function acmeCertificates(dataDir: string): (config: Config) => Promise<CertificateSpec[]> {
  return (config) => (config.acme.enabled ? managedCertificates(dataDir) : Promise.resolve([]));
}

/** Port 80 runs when asked for, or when ACME answers HTTP-01 challenges there. */
export function httpListenerRuns(config: Config): boolean {
  return config.listeners.http.enabled || (config.acme.enabled && config.acme.challenge.includes("http-01"));
}
