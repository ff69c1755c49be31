/**
 * SEARCH and UID SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4; answered `* SEARCH n ...`, §7.3.5 of
 * RFC 3501, or `* ESEARCH ...` with RETURN options, RFC 4731, and always once IMAP4rev2 is
 * enabled; saved as "$" with SAVE, RFC 5182; esearch.ts). The key tree is compiled once; each message of the view is then tested with only the
 * data the keys need: flags and numbers from the view, size and dates from one read of the rows,
 * the Date day from the shared summary cache, every header field from the shared header-index
 * cache, and the bytes only for BODY/TEXT. What is built from a header is built in slices, so a
 * message with a huge header never holds the event loop.
 */
import type { ImapCommand } from "../command.ts";
import { loadedOrGone, messageCache, readAhead, type LoadedMessage, type StaticRow } from "../message-cache.ts";
import { readReturnOptions, readSearchProgram, type SearchKey } from "../parser/index.ts";
import type { MailboxView } from "../view.ts";
import { answerEsearch, withSavedResult } from "./esearch.ts";
import { headerTextOf } from "./search-headers.ts";
import { bodyText, COMMON_FIELDS, compileSearch, searchNeeds, type SearchSubject } from "./search-match.ts";
import { selectedView, uidsOf } from "./fetch-targets.ts";
import { flagStates, type Store } from "../../store/index.ts";
import { useCondstore } from "./condstore.ts";

const NO_COMMON: ReadonlyArray<string | null> = COMMON_FIELDS.map(() => null);

/**
 * The one SEARCH engine: the sequence numbers (ascending) of the messages of `view` that `key`
 * matches. SEARCH answers them; ESEARCH, SORT and THREAD shape, order or save the same result.
 * "$" in the keys is the saved result (RFC 5182 §2.1). With a MODSEQ key (RFC 7162 §3.1.5, which
 * enables CONDSTORE) `highestModseq` is the highest modseq of the messages found, else null.
 * It needs no session: only the store and a view (the webmail searches with it too, through
 * mailbox-search.ts); a session passes `onModseq`, called before a MODSEQ key is evaluated.
 */
export async function matchingSeqs(
  store: Store,
  view: MailboxView,
  searchKey: SearchKey,
  onModseq: () => Promise<unknown> = () => Promise.resolve(),
): Promise<{ seqs: number[]; highestModseq: number | null }> {
  const key = withSavedResult(searchKey, view.savedUids);
  const needs = searchNeeds(key);
  const uids = Array.from(view.uids);
  const match = compileSearch(key, { exists: view.exists, maxUid: uids.at(-1) ?? 0 });
  const cache = messageCache(store);
  const rows = needs.rows ? await cache.rows(view, uids) : new Map<number, StaticRow>();
  // RFC 7162 §3.1.5: SEARCH MODSEQ enables CONDSTORE and reads the modseqs from the store.
  if (needs.modseq) await onModseq();
  const states = needs.modseq ? await flagStates(store.db, view.mailboxId, uids) : null;
  let highest = 0;
  const cached = (blob: string): boolean =>
    (!needs.summary || cache.cachedSummary(blob) !== undefined) && (!needs.headers || cache.cachedHeaders(blob) !== undefined);
  const blobs = needs.body || needs.summary || needs.headers ? uids.map((uid) => rows.get(uid)) : [];
  const load = readAhead(cache, blobs, needs.body ? undefined : cached);
  const flagSets = new Map<string, Set<string>>();
  // One subject, refilled per message: a search visits every message of the mailbox.
  let loaded: LoadedMessage | null = null;
  let body: string | null = null;
  let text: string | null = null;
  let headerText: string | null = null;
  /** TEXT was evaluated before the header's text was built (see the loop). */
  let textWanted = false;
  const bodyOf = (): string => {
    if (loaded === null) return "";
    body ??= bodyText(loaded.raw, loaded.tree);
    return body;
  };
  const subject: SearchSubject = {
    seq: 0,
    uid: 0,
    flags: new Set(),
    recent: false,
    size: 0,
    internalDate: 0,
    headers: "",
    common: NO_COMMON,
    sentDay: null,
    modseq: 0,
    body: bodyOf,
    text: () => {
      if (loaded === null) return "";
      if (headerText === null) {
        textWanted = true;
        return "";
      }
      text ??= `${headerText}\n${bodyOf()}`;
      return text;
    },
  };
  const hits: number[] = [];
  for (let seq = 1; seq <= view.exists; seq++) {
    const uid = view.uidAt(seq) ?? 0;
    const row = rows.get(uid);
    // Expunged by another session but still in this view: it matches nothing that needs its data.
    if (needs.rows && row === undefined) continue;
    const flagText = view.flagsAt(seq);
    let flags = flagSets.get(flagText);
    if (flags === undefined) {
      flags = new Set(flagText.toLowerCase().split(" ").filter((f) => f !== ""));
      flagSets.set(flagText, flags);
    }
    let summary = needs.summary && row !== undefined ? cache.cachedSummary(row.blob) : undefined;
    let headers = needs.headers && row !== undefined ? cache.cachedHeaders(row.blob) : undefined;
    const pending = needs.body || (needs.summary && summary === undefined) || (needs.headers && headers === undefined) ? load(seq - 1) : null;
    loaded = pending === null ? null : await loadedOrGone(pending);
    // Its file swept since another session expunged it: like a row that is gone, it matches nothing.
    if (pending !== null && loaded === null) continue;
    body = text = headerText = null;
    textWanted = false;
    if (row !== undefined && loaded !== null) {
      if (needs.summary) summary ??= cache.summaryOf(row.blob, loaded);
      if (needs.headers) headers ??= await cache.headersOf(row.blob, loaded);
    }
    subject.seq = seq;
    subject.uid = uid;
    subject.flags = flags;
    subject.recent = view.isRecent(uid);
    subject.size = row?.size ?? 0;
    subject.internalDate = row?.internalDate ?? 0;
    subject.headers = headers?.headers ?? "";
    subject.common = headers?.common ?? NO_COMMON;
    subject.sentDay = summary?.sentDay ?? null;
    subject.modseq = states?.get(uid)?.modseq ?? 0;
    let hit = match(subject);
    // TEXT's header text is built with pauses (a header may have millions of lines), which the
    // synchronous evaluation cannot await; building it for every message up front would pay for
    // messages whose evaluation never gets to TEXT (OR SEEN TEXT x on a seen one, an AND that
    // failed before it). So a first evaluation notes whether TEXT was reached (answering "" meanwhile),
    // and only then is the text built and the message evaluated again: keys are pure, and the
    // body text is kept from the first round.
    if (textWanted && loaded !== null) {
      headerText = await headerTextOf(loaded.raw, loaded.tree);
      hit = match(subject);
    }
    if (hit) {
      hits.push(seq);
      highest = Math.max(highest, subject.modseq);
    }
  }
  return { seqs: hits, highestModseq: needs.modseq ? highest : null };
}

export const SEARCH: ImapCommand = {
  name: "SEARCH",
  states: ["selected"],
  noExpungeResponses: true,
  async handle(s, cmd) {
    const view = selectedView(s);
    const a = cmd.args;
    a.sp();
    // RETURN (...) asks for an ESEARCH answer (RFC 4731), SAVE for "$" (RFC 5182).
    // RFC 9051 §6.4.4: IMAP4rev2 answers every SEARCH with ESEARCH, no RETURN meaning RETURN (ALL).
    const options = readReturnOptions(a) ?? (s.rev2 ? new Set(["ALL"] as const) : null);
    let found: Awaited<ReturnType<typeof matchingSeqs>>;
    try {
      found = await matchingSeqs(s.store, view, readSearchProgram(a, { esearch: false }).key, () => useCondstore(s));
    } catch (e) {
      // RFC 5182 §2.1, RFC 9051 §6.4.4.3: a SEARCH with SAVE that fails (BADCHARSET too) leaves "$" empty.
      if (options?.has("SAVE") === true) view.savedUids = [];
      throw e;
    }
    const { seqs, highestModseq } = found;
    const label = cmd.uid ? "UID SEARCH" : "SEARCH";
    if (options === null) {
      const hits = cmd.uid ? uidsOf(view, seqs) : seqs;
      // RFC 7162 §3.1.5: with a MODSEQ key, the highest modseq of the messages found.
      const modseq = highestModseq !== null && hits.length > 0 ? ` (MODSEQ ${highestModseq})` : "";
      s.write(`* SEARCH${hits.length > 0 ? ` ${hits.join(" ")}` : ""}${modseq}\r\n`);
      return { text: `${label} completed.` };
    }
    const line = answerEsearch(view, seqs, options, { tag: cmd.tag, uid: cmd.uid, modseq: highestModseq });
    if (line !== null) s.write(line);
    return { text: `${label} completed${options.has("SAVE") ? ", result saved" : ""}.` };
  },
};
