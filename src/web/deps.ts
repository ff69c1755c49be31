/** What the web room is given by the server (the same modules the CLI uses), and what each request carries. */
import type { Kysely } from "kysely";
import type { AcmeOrderView } from "../acme/index.ts";
import type { Authenticator, SignedIn, WebSessions } from "../auth/index.ts";
import type { AffectedAccount } from "../campaign/index.ts";
import type { Clock } from "../clock/index.ts";
import type { MaintenanceWindow } from "../maintenance/index.ts";
import type { MessageSubmission, SubmitOutcome } from "../smtp-server/index.ts";
import type { Database, Store } from "../store/index.ts";
import type { Lang } from "./i18n.ts";
import type { ConnectionInfo } from "./listener.ts";
import type { Text } from "./text-en.ts";

/** What a mail program needs: the host name on the certificate and the enabled listeners' ports. */
export interface MailSettings {
  hostname: string;
  imaps: number | null;
  imap: number | null;
  pop3s: number | null;
  pop3: number | null;
  submissions: number | null;
  submission: number | null;
}

/** A running listener, for the administration page. */
interface ListenerView {
  name: string;
  address: string;
  port: number;
  /** Connections open now. */
  sessions: number;
  /** Bound and accepting (false before it listens and while it drains): the status page's up or down. */
  listening: boolean;
}

/** A loaded certificate, for the administration page. */
export interface CertificateView {
  names: string[];
  keyType: string;
  notAfter: Date;
  daysLeft: number;
  file: string;
}

export interface WebDeps {
  db: Kysely<Database>;
  /** The store, for the webmail: its folders and messages, written the way IMAP writes them. */
  store: Store;
  /** The blob files: a queued message deleted from the page takes the blob it owned with it. */
  blobs: Pick<Store["blobs"], "remove">;
  auth: Authenticator;
  sessions: WebSessions;
  /** Writes the audit rows waiting for the next batch (the sign-in just made shows on the page it leads to). */
  flushAudit: () => Promise<void>;
  /** Seconds a sign-in lasts at most (the cookie's Max-Age). */
  sessionMaxSeconds: () => number;
  mailSettings: () => MailSettings;
  listeners: () => ListenerView[];
  certificates: () => CertificateView[];
  /** The certificates ACME keeps and how each stands; null when `[acme]` is off. */
  acme: () => AcmeOrderView[] | null;
  /** Tells the queue runner to look at the queue now (after a retry from the page). */
  wakeOutbound: () => void;
  /** The `[dns]` servers and timeout, for the checker's MX, MTA-STS, TLS-RPT and DANE look-ups. */
  dns: () => { servers: string[]; timeoutMs: number };
  /** Checks one account may run per hour (`[web] check_per_hour`). */
  checksPerHour: () => number;
  /** The maintenance windows the server keeps (open, upcoming, recent), and a number that grows when they are read again. */
  maintenance: () => { windows: readonly MaintenanceWindow[]; version: number };
  /** Accounts the announced cut-off still affects, as the campaign last read them (at most an hour ago), or null before its first reading. */
  campaignAffected: () => readonly AffectedAccount[] | null;
  /** The server's calendar (src/clock: the cut-off's count-down, the campaign, what is open, upcoming or past): the system's, or SEALPOST_CLOCK_FILE's. */
  clock: Clock;
  /** `[audit] retention_days`: how far back the campaign looks for old devices. */
  auditRetentionDays: () => number;
  /** Submits a message written in the webmail through port 587's path (smtp-server's submitMessage). */
  submit: (m: MessageSubmission) => Promise<SubmitOutcome>;
  /** `[smtp] max_message_size`: the largest message (and so the largest upload) the webmail takes. */
  maxMessageSize: () => number;
}

declare module "fastify" {
  interface FastifyRequest {
    lang: Lang;
    t: Text;
    /** The signed-in account, or null. */
    user: SignedIn | null;
    /** Whether the signed-in account administers any domain (its own as a domain-admin, a given one, or all as an admin). */
    administers: boolean;
    /** The session cookie's id when it named a live session. */
    webSession: string | null;
    /** True when a session cookie came with the request but named no live session (expired, signed out elsewhere). */
    sessionEnded: boolean;
    conn: ConnectionInfo;
  }
}
