/**
 * One IMAP session (RFC 9051, RFC 3501): the state machine of §3, dispatch by command name to
 * handlers that declare their states, untagged updates for the selected mailbox (§7.5.1 rules on
 * EXPUNGE), and the one place where errors become tagged NO/BAD responses or BYE.
 */
import type { AuthContext } from "../auth/index.ts";
import { LineSession, type EvictionRank } from "../net/index.ts";
import { claimRecent, mailboxChanges, messageStates, uidsUpTo, type MailboxRow, type Store } from "../store/index.ts";
import { capabilities } from "./capabilities.ts";
import { type Account, type Deferred, type Completion, type ImapApi, type ImapCommand, type State } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { newKeywordResponses } from "./commands/util.ts";
import { replyFor } from "./error-table.ts";
import { ImapError, ResponseCode } from "./errors.ts";
import { formatSequenceSet, ImapParseError, ImapReader, parseCommand, type CommandInput, type ReaderEvent } from "./parser/index.ts";
import { MailboxView } from "./view.ts";
import { PRE_LOGIN_MAX_LITERAL, type ImapSessionOptions } from "./session-options.ts";

type LineHandler = (line: string) => Promise<Completion | Deferred> | Completion | Deferred;

export class ImapSession extends LineSession<ReaderEvent> implements ImapApi {
  protected readonly reader: ImapReader;
  readonly store: Store;
  readonly hostname: string;
  #state: State = "not-authenticated";
  #account: Account | null = null;
  #view: MailboxView | null = null;
  #utf8 = false;
  #condstore = false;
  #qresync = false;
  /** RFC 9051 §6.3.1: ENABLE IMAP4rev2 was given; changed only in enable(). */
  #rev2 = false;
  #clientName: string | null = null;
  #bad = 0;
  #dirty = false;
  #pending: { tag: string; handler: LineHandler; pushUpdates: boolean } | null = null;
  #flushing: Promise<void> = Promise.resolve();
  readonly #opts: ImapSessionOptions;
  /** Stops `#onStoreChange` hearing the selected mailbox; set with the view in `#setView`. */
  #unwatch: (() => void) | null = null;
  readonly #onStoreChange = (): void => {
    this.#dirty = true;
    if (this.#pending?.pushUpdates === true) this.#queueFlush(true);
  };

  constructor(opts: ImapSessionOptions) {
    super(opts.conn, { onClosed: opts.onClosed, log: opts.log, minDataRate: opts.limits.minDataRate });
    this.#opts = opts;
    this.store = opts.store;
    this.hostname = opts.hostname;
    this.reader = new ImapReader({ maxLiteral: Math.min(PRE_LOGIN_MAX_LITERAL, opts.limits.maxLiteral) });
  }

  get state(): State {
    return this.#state;
  }
  get account(): Account | null {
    return this.#account;
  }
  get selected(): MailboxView | null {
    return this.#view;
  }
  get utf8(): boolean {
    return this.#utf8;
  }
  get condstore(): boolean {
    return this.#condstore;
  }
  get qresync(): boolean {
    return this.#qresync;
  }
  get rev2(): boolean {
    return this.#rev2;
  }
  get canStartTls(): boolean {
    return this.#opts.tlsAvailable && this.conn.tls === null;
  }

  // ---- LineSession hooks ------------------------------------------------------------------
  protected greet(): void {
    this.untagged(`OK [CAPABILITY ${this.capabilities().join(" ")}] Sealpost IMAP ready.`);
  }
  protected nextEvent(): ReaderEvent | null {
    return this.reader.next();
  }
  protected timeoutMs(): number {
    // Before login the sign-in deadline (login_timeout, from connecting) ends the wait first.
    return this.#opts.limits.idleTimeoutMs;
  }
  protected signInDeadlineMs(): number {
    return this.#opts.limits.loginTimeoutMs;
  }
  protected sayTimeout(): void {
    this.untagged("BYE Autologout; idle for too long.");
  }
  protected sayShutdown(): void {
    this.untagged("BYE [UNAVAILABLE] Server shutting down.");
  }
  protected sayEvicted(): void {
    // RFC 9051 §7.1.5: BYE; RFC 5530 §3 UNAVAILABLE: a temporary lack of resources.
    this.untagged("BYE [UNAVAILABLE] Too many connections; closing the oldest one not logged in.");
  }
  protected idleEvictionRank(): EvictionRank {
    return this.#account === null ? "idle" : null;
  }
  protected holdsWork(): boolean {
    return false;
  }
  protected ended(): void {
    this.#transition("logout");
  }

  // ---- ImapApi ----------------------------------------------------------------------------
  capabilities(): string[] {
    return capabilities({ tls: this.conn.tls !== null, canStartTls: this.canStartTls, authenticated: this.#account !== null, appendLimit: this.appendLimit });
  }
  untagged(text: string): void {
    this.write(`* ${text}\r\n`);
  }
  override write(data: string | Buffer): void {
    super.write(data);
  }
  drained(): Promise<void> {
    return this.conn.drained();
  }
  authContext(): AuthContext {
    return {
      protocol: "imap",
      port: this.conn.localPort,
      clientIp: this.conn.remoteAddress,
      tls: this.conn.tls,
      clientName: this.#clientName,
      session: this.conn.id,
      log: this.log,
      legacy: this.conn.legacy,
    };
  }
  async login(username: string, password: string, mechanism: string): Promise<"ok" | "credentials" | "rate-limited" | "legacy"> {
    const outcome = await this.signingIn((signal) => this.#opts.auth.login(this.authContext(), username, password, mechanism, signal));
    // "gone": the session has ended; the NO that follows is written nowhere.
    if (!outcome.ok) return outcome.refusal === "gone" ? "credentials" : outcome.refusal;
    this.#account = { id: outcome.accountId, address: outcome.address };
    this.reader.setMaxLiteral(this.#opts.limits.maxLiteral);
    this.signedIn();
    return "ok";
  }
  refuseLogin(username: string, mechanism: string, reason: string): void {
    this.#opts.auth.refused(this.authContext(), username, mechanism, reason);
  }
  async select(mailbox: MailboxRow, readOnly: boolean): Promise<MailboxView> {
    this.#setView(null);
    // A change committed while the snapshot is read must not be lost: listen before reading, and
    // if one came, the view starts dirty (the next flush reads what is newer than the snapshot).
    let changed = false;
    const unwatch = this.store.events.watch(mailbox.id, () => (changed = true));
    let view: MailboxView;
    try {
      view = new MailboxView(mailbox, readOnly, await messageStates(this.store.db, mailbox.id));
      // RFC 3501 §2.3.2: a read-write SELECT claims the unclaimed messages as \Recent for this session
      // alone; EXAMINE shows them as recent without claiming them (as Dovecot does). IMAP4rev2 has no
      // \Recent (RFC 9051 Appendix E): such a session neither sees nor claims any, so they stay
      // recent for the next IMAP4rev1 session.
      if (!this.#rev2 && readOnly) view.addRecent(mailbox.recentUid, Infinity);
      else if (!this.#rev2 && view.lastUid >= mailbox.recentUid) {
        const first = await claimRecent(this.store, mailbox.id, view.lastUid);
        if (first !== null) view.addRecent(first, view.lastUid);
      }
    } finally {
      unwatch();
    }
    this.#setView(view);
    this.#dirty = changed;
    return view;
  }
  unselect(): void {
    this.#setView(null);
  }
  enable(capability: string): boolean {
    if (capability === "UTF8=ACCEPT") {
      this.#utf8 = true;
      return true;
    }
    // RFC 9051 §6.3.1 (and RFC 5161 §3.1): before a mailbox is selected, so the selected view
    // never mixes IMAP4rev1's \Recent with IMAP4rev2's rules.
    if (capability === "IMAP4REV2") {
      if (this.#view !== null) return false;
      this.#rev2 = true;
      return true;
    }
    // RFC 7162 §3.1, §3.2.3: ENABLE QRESYNC enables CONDSTORE as well.
    if (capability === "CONDSTORE" || capability === "QRESYNC") {
      this.#condstore = true;
      if (capability === "QRESYNC") this.#qresync = true;
      return true;
    }
    return false;
  }
  setClientName(name: string): void {
    this.#clientName = name.slice(0, 200);
  }
  expectLine(handler: LineHandler, opts: { pushUpdates?: boolean } = {}): void {
    // The tag is filled in by #run once the handler returns DEFERRED.
    this.#pending = { tag: "", handler, pushUpdates: opts.pushUpdates ?? false };
    this.reader.mode = "line";
  }
  /**
   * One flush at a time: an IDLE push still reading the mailbox when DONE's flush starts must not
   * apply its older snapshot after the newer one (that would announce new messages as expunged).
   */
  flushUpdates(allowExpunge: boolean): Promise<void> {
    const run = this.#flushing.then(() => this.#flushNow(allowExpunge));
    this.#flushing = run.catch(() => undefined);
    return run;
  }
  async #flushNow(allowExpunge: boolean): Promise<void> {
    const view = this.#view;
    if (view === null || !this.#dirty) return;
    this.#dirty = false;
    // What changed since the view last looked, and the message count (one statement): every message
    // above `last` is among the changed, so fewer up to `last` than the view holds means some went.
    const db = this.store.db;
    const last = view.lastUid;
    const snap = await mailboxChanges(db, view.mailboxId, view.knownModseq);
    const changed = snap?.changed ?? [];
    const upToLast = (snap?.messages ?? 0) - changed.filter((m) => m.uid > last).length;
    const gone = view.exists > 0 && upToLast < view.exists;
    const present = gone ? new Set(await uidsUpTo(db, view.mailboxId, last)) : null;
    // New messages are \Recent to the first read-write session told of them (RFC 3501 §2.3.2).
    const newest = changed.at(-1)?.uid ?? 0;
    const claimed = !view.readOnly && !this.#rev2 && newest > last ? await claimRecent(this.store, view.mailboxId, newest) : null;
    if (this.#view !== view) return;
    const u = view.applyChanges(changed, present, allowExpunge);
    if (claimed !== null) view.addRecent(claimed, newest);
    // RFC 3501 §7.2.6: a keyword is announced before a FETCH shows it.
    let out = newKeywordResponses(view);
    // RFC 7162 §3.2.10: with QRESYNC, one VANISHED of UIDs instead of an EXPUNGE per message.
    if (this.#qresync) out += u.vanished.length > 0 ? `* VANISHED ${formatSequenceSet(u.vanished)}\r\n` : "";
    else for (const seq of u.expunged) out += `* ${seq} EXPUNGE\r\n`;
    // RFC 3501 §7.3.2: RECENT goes with EXISTS; IMAP4rev2 has no RECENT response (RFC 9051 Appendix E).
    if (u.exists !== null) out += `* ${u.exists} EXISTS\r\n${this.#rev2 ? "" : `* ${view.recentCount} RECENT\r\n`}`;
    // RFC 7162 §3.1: once CONDSTORE is enabled, flag updates carry their MODSEQ.
    for (const [seq, uid, flags, modseq] of u.flags) out += `* ${seq} FETCH (UID ${uid} FLAGS (${view.withRecent(uid, flags)})${this.#condstore ? ` MODSEQ (${modseq})` : ""})\r\n`;
    if (out !== "") this.write(out);
    if (!allowExpunge && gone) this.#dirty = true;
  }
  closeAfterReply(reason: string): void {
    this.closeReason = reason;
  }
  async startTls(tag: string): Promise<boolean> {
    this.write(`${tag} OK Begin TLS negotiation now.\r\n`);
    return this.upgradeTls("imap");
  }

  // ---- issue 13: APPENDLIMIT (RFC 7889) and COMPRESS (RFC 4978) ----
  get appendLimit(): number {
    return this.#opts.limits.maxLiteral;
  }
  get compressed(): boolean {
    return this.conn.compressed;
  }
  startCompression(tag: string): void {
    // The client sends nothing after COMPRESS until it has read this OK (RFC 4978 §3): whatever
    // is buffered now was sent against the rule, and is not taken as compressed input.
    this.write(`${tag} OK DEFLATE active.\r\n`);
    this.reader.discard();
    this.conn.compress();
  }

  #queueFlush(allowExpunge: boolean): void {
    this.flushUpdates(allowExpunge).catch((e: unknown) => this.log.error("imap: pushing updates failed", e));
  }

  // ---- input ------------------------------------------------------------------------------
  protected async handleEvent(ev: ReaderEvent): Promise<void> {
    switch (ev.kind) {
      case "continue":
        // RFC 9051 §7.5: command continuation request for a synchronizing literal.
        this.write("+ Ready for literal data\r\n");
        return;
      case "too-long":
        this.#respondError(ev.tag, new ImapError("BAD", "Command line too long.", { code: ResponseCode.TOOBIG }));
        return;
      case "literal-too-large":
        // RFC 7888 §4: a synchronizing literal is refused with NO before it is sent; a
        // non-synchronizing one is BAD, and one too large to skip ends the connection.
        this.#respondError(
          ev.tag,
          new ImapError(ev.synchronizing && !ev.close ? "NO" : "BAD", "Literal too large.", {
            code: ResponseCode.TOOBIG,
            ...(ev.close ? { thenBye: "Literal too large to skip; closing." } : {}),
          }),
        );
        return;
      case "line":
        await this.#continueLine(ev.line);
        return;
      case "command":
        await this.#run(ev.input);
        return;
    }
  }

  async #continueLine(line: string): Promise<void> {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    this.reader.mode = "command";
    await this.#finish(pending.tag, null, () => pending.handler(line));
  }

  async #run(input: CommandInput): Promise<void> {
    let tag: string | null = input.tag;
    let cmd: ImapCommand | undefined;
    // Issue 13: the command's responses and its tagged reply leave in one write.
    this.conn.startBatch();
    try {
      // searchRes: "$" is a sequence set (RFC 5182, advertised as SEARCHRES).
      const parsed = parseCommand(input, { utf8: this.#utf8, searchRes: true, rev2: this.#rev2 });
      tag = parsed.tag;
      cmd = COMMANDS.get(parsed.name);
      if (cmd === undefined) throw new ImapError("BAD", "Unknown command.");
      if (!cmd.states.includes(this.#state)) throw new ImapError("BAD", `${parsed.name} is not allowed in the ${this.#state} state.`);
      const command = cmd;
      await this.#finish(parsed.tag, command.noExpungeResponses === true && !parsed.uid ? command : null, () => command.handle(this, parsed));
    } catch (e) {
      this.#respondError(tag, e);
    } finally {
      this.conn.endBatch();
    }
  }

  /** Runs a handler and writes its tagged completion (or its error). */
  async #finish(tag: string, noExpunge: ImapCommand | null, run: () => ReturnType<LineHandler> | Promise<Completion | Deferred | undefined> | undefined): Promise<void> {
    try {
      const result = await run();
      if (result !== undefined && "deferred" in result) {
        if (this.#pending !== null) this.#pending.tag = tag;
        return;
      }
      if (result?.next !== undefined) this.#transition(result.next);
      await this.flushUpdates(noExpunge === null);
      const code = result?.code !== undefined ? `[${result.code}] ` : "";
      this.write(`${tag} OK ${code}${result?.text ?? "Completed."}\r\n`);
    } catch (e) {
      // A failed SELECT has already left the old mailbox (RFC 9051 §6.3.2).
      if (this.#state === "selected" && this.#view === null) this.#transition("authenticated");
      this.#respondError(tag, e);
    }
  }

  /** The one place where state changes. */
  #transition(next: State): void {
    if (next !== "selected" && next !== this.#state) this.#setView(null);
    this.#state = next;
    if (next === "logout") this.closeReason ??= "logout";
  }

  /** The selected mailbox changes only here: the session hears that mailbox's changes and no other's. */
  #setView(view: MailboxView | null): void {
    this.#unwatch?.();
    this.#unwatch = view === null ? null : this.store.events.watch(view.mailboxId, this.#onStoreChange);
    this.#view = view;
    this.#dirty = false;
  }

  /** The one place where errors become responses: the table (error-table.ts) says which. */
  #respondError(tag: string | null, e: unknown): void {
    const { reply, internal } = replyFor(e);
    if (internal) this.log.error("imap session: internal error", e, { tag, state: this.#state });
    if (e instanceof ImapParseError) tag = e.tag ?? tag;
    const { status, code, text } = reply;
    if (reply.bye) {
      this.untagged(`BYE ${text}`);
      this.closeReason = "error";
      return;
    }
    this.write(`${tag ?? "*"} ${status} ${code !== null ? `[${code}] ` : ""}${text}\r\n`);
    if (reply.thenBye !== null) {
      this.untagged(`BYE ${reply.thenBye}`);
      this.closeReason = "error";
      return;
    }
    if (status === "BAD" && ++this.#bad >= this.#opts.limits.maxBadCommands) {
      this.untagged("BYE Too many invalid IMAP commands.");
      this.closeReason = "errors";
    }
  }
}
