/** The web console's migrations (issue 11): its sessions, console-only accounts, and the indexes its account and domain pages read through. */
import { sql, type Kysely } from "kysely";
import type { Migration } from "kysely/migration";

/**
 * The web console's sign-in sessions, server-side so that they survive a restart and a sign-out or a
 * password change ends them everywhere. The cookie carries a random id; the table keeps only its
 * SHA-256, so a copy of the database signs no one in.
 */
export const webSessions: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("web_sessions")
      .addColumn("id_hash", "text", (c) => c.primaryKey())
      .addColumn("account_id", "integer", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
      .addColumn("created_at", "integer", (c) => c.notNull())
      .addColumn("last_seen", "integer", (c) => c.notNull())
      .addColumn("client_ip", "text", (c) => c.notNull())
      .addColumn("client_name", "text")
      .execute();
    await db.schema.createIndex("web_sessions_account").on("web_sessions").column("account_id").execute();
  },
};

/**
 * Accounts without a mailbox: a relay (gateway) domain's administrator signs in to the web console
 * but has no mail here, so `domain_id` (the hosted domain) may be NULL. SQLite cannot drop a NOT
 * NULL, so the table is rebuilt (sqlite.org/lang_altertable.html, "other kinds of table schema
 * changes"); openStore runs migrations with foreign keys off and checks them after.
 */
export const consoleAccounts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("accounts_new")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("address", "text", (c) => c.notNull().unique())
      .addColumn("domain_id", "integer", (c) => c.references("domains.id"))
      .addColumn("password_hash", "text", (c) => c.notNull())
      .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", "integer", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull().defaultTo("user"))
      .execute();
    await sql`insert into accounts_new (id, address, domain_id, password_hash, disabled, created_at, role)
      select id, address, domain_id, password_hash, disabled, created_at, role from accounts`.execute(db);
    await db.schema.dropTable("accounts").execute();
    await db.schema.alterTable("accounts_new").renameTo("accounts").execute();
    // The old table's indexes went with it (0013's, when it ran first).
    await db.schema.createIndex("accounts_domain").ifNotExists().on("accounts").column("domain_id").execute();
  },
};

/**
 * The web console's account and domain pages (src/audit/account-view.ts, domain-view.ts): a page of
 * an account's history, its legacy devices and a domain's plaintext senders are read through these,
 * so a page costs about as many rows as it shows, not as many as the account or the domain has.
 * A partial index's condition is a literal its queries repeat verbatim: SQLite uses a partial index
 * only when the query says the same (a bound parameter does not do).
 */
export const historyIndexes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // The history's protocol filter.
    await db.schema.createIndex("logins_account_protocol_time").on("logins").columns(["account_id", "protocol", "time"]).execute();
    // Legacy sign-ins by TLS version (which versions are legacy is the audit room's rule, not the index's).
    await db.schema.createIndex("logins_account_tls_time").on("logins").columns(["account_id", "tls_version", "time"]).execute();
    // The addresses an account signed in from, one seek each, for attributing refused handshakes; with
    // the client's name, so the device's name is read from the index too (else SQLite reads it through
    // logins_account_time, every sign-in of the window).
    await sql`create index logins_account_ip_ok on logins (account_id, client_ip, time, client_name) where result = 'ok'`.execute(db);
    // Sign-ins refused before the account was looked up, by the name typed; account_id is in the key
    // only so that SQLite prefers this index to logins_account_time for "account_id is null".
    await sql`create index logins_unresolved_name on logins (lower(username), account_id, time) where account_id is null`.execute(db);
    await sql`create index tls_events_refused_ip on tls_events (client_ip, time) where outcome != 'ok'`.execute(db);
    await sql`create index smtp_recipients_plaintext on smtp_recipients (domain, time) where tls_version is null`.execute(db);
    await db.schema.createIndex("accounts_domain").ifNotExists().on("accounts").column("domain_id").execute();
  },
};
