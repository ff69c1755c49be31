/**
 * FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9; RFC 3501 §6.4.5, §6.4.8; RFC 3516 BINARY).
 *
 * Reads as little as the items need: FLAGS and UID come from the session's view, size and
 * dates from one range read of the rows, ENVELOPE/BODYSTRUCTURE from the shared summary cache,
 * and only section items touch the message bytes (through the shared cache, a few reads ahead).
 * A non-PEEK body item sets \Seen first (one durable STORE for the whole command) and the
 * response then carries FLAGS. Responses are written in large chunks.
 */
import { storeFlags } from "../../store/index.ts";
import type { Completion, ImapApi, ImapCommand } from "../command.ts";
import { no, ResponseCode } from "../errors.ts";
import { loadedOrGone, messageCache, readAhead, type LoadedMessage, type StaticRow } from "../message-cache.ts";
import { readFetchItems, type FetchAtt } from "../parser/index.ts";
import type { MailboxView } from "../view.ts";
import { fetchNeeds, formatItem, type FetchSubject, type Piece } from "./fetch-items.ts";
import { selectedView, targetSeqs, uidsOf } from "./fetch-targets.ts";
import { newKeywordResponses } from "./util.ts";

/** Response bytes gathered before a write. */
const CHUNK = 256 * 1024;

function hasSeen(flags: string): boolean {
  return flags.split(" ").some((f) => f.toLowerCase() === "\\seen");
}

/** Runs a FETCH over `seqs` (ascending) of the selected mailbox. */
async function runFetch(s: ImapApi, view: MailboxView, seqs: readonly number[], requested: readonly FetchAtt[], uid: boolean): Promise<Completion> {
  // RFC 9051 §6.4.9: UID FETCH responses always include UID.
  const items = uid && !requested.some((a) => a.type === "UID") ? [{ type: "UID" } as const, ...requested] : requested;
  const needs = fetchNeeds(items);
  const uids = uidsOf(view, seqs);
  const cache = messageCache(s.store);
  const rows = needs.row ? await cache.rows(view, uids) : new Map<number, StaticRow>();

  // \Seen first, durably, so the FLAGS we send are the stored ones (RFC 9051 §6.4.5).
  const seenNow = new Set<number>();
  if (needs.setsSeen && !view.readOnly) {
    const unseen = seqs.filter((seq) => rows.has(view.uidAt(seq) ?? 0) && !hasSeen(view.flagsAt(seq)));
    if (unseen.length > 0) {
      for (const r of await storeFlags(s.store, view.mailboxId, uidsOf(view, unseen), "add", ["\\Seen"])) {
        const seq = view.seqOf(r.uid);
        if (!r.changed || seq === 0) continue;
        view.setFlags(seq, r.flags);
        seenNow.add(seq);
      }
    }
  }
  const withFlags = items.some((a) => a.type === "FLAGS");
  // RFC 3501 §7.2.6: a keyword another session set, first seen in the flags just stored, is announced first.
  const announce = newKeywordResponses(view);
  if (announce !== "") s.write(announce);

  const blobs = needs.content || needs.summary ? seqs.map((seq) => rows.get(view.uidAt(seq) ?? 0)) : [];
  const load = readAhead(cache, blobs, needs.content ? undefined : (blob) => cache.cachedSummary(blob) !== undefined);

  let out: Piece[] = [];
  let size = 0;
  const flush = (): void => {
    if (out.length === 0) return;
    // Adjacent strings become one Buffer: one conversion, not one per item.
    const bufs: Buffer[] = [];
    let text = "";
    for (const p of out) {
      if (typeof p === "string") {
        text += p;
      } else {
        if (text !== "") bufs.push(Buffer.from(text, "utf8"));
        text = "";
        bufs.push(p);
      }
    }
    if (text !== "") bufs.push(Buffer.from(text, "utf8"));
    s.write(bufs.length === 1 && bufs[0] !== undefined ? bufs[0] : Buffer.concat(bufs));
    out = [];
    size = 0;
  };
  let missing = 0;
  try {
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i] ?? 0;
      const msgUid = view.uidAt(seq) ?? 0;
      const row = rows.get(msgUid);
      if (needs.row && row === undefined) {
        missing++; // expunged by another session, still in this view (RFC 9051 §7.5.1)
        continue;
      }
      let loaded: LoadedMessage | undefined;
      let summary = needs.summary && row !== undefined ? cache.cachedSummary(row.blob) : undefined;
      const pending = needs.content || (needs.summary && summary === undefined) ? load(i) : null;
      if (pending !== null && row !== undefined) {
        const got = await loadedOrGone(pending);
        if (got === null) {
          missing++; // its row still answers (message-cache.ts), but the sweep took its file
          continue;
        }
        if (needs.content) loaded = got;
        if (needs.summary) summary ??= cache.summaryOf(row.blob, got);
      }
      const m: FetchSubject = { seq, uid: msgUid, flags: view.fetchFlags(seq), row, summary, loaded };
      const before = out.length;
      out.push(`* ${seq} FETCH (`);
      let first = true;
      for (const att of items) {
        if (!first) out.push(" ");
        first = false;
        formatItem(att, m, out);
      }
      if (seenNow.has(seq) && !withFlags) out.push(` FLAGS (${m.flags})`);
      out.push(")\r\n");
      for (let j = before; j < out.length; j++) size += out[j]?.length ?? 0;
      if (size >= CHUNK) {
        flush();
        // Write back-pressure: a FETCH over many large messages never buffers more than the socket holds.
        await s.drained();
      }
    }
  } catch (e) {
    // What was formatted goes out before the error (UnknownCteError: NO [UNKNOWN-CTE], by the session's table).
    flush();
    throw e;
  }
  flush();
  if (missing > 0) throw no("Some messages were expunged meanwhile.", ResponseCode.EXPUNGEISSUED);
  return { text: `${uid ? "UID FETCH" : "FETCH"} completed.` };
}

export const FETCH: ImapCommand = {
  name: "FETCH",
  states: ["selected"],
  noExpungeResponses: true,
  handle(s, cmd) {
    const view = selectedView(s);
    const a = cmd.args;
    a.sp();
    const set = a.sequenceSet();
    a.sp();
    const items = readFetchItems(a);
    a.end();
    return runFetch(s, view, targetSeqs(view, set, cmd.uid), items.items, cmd.uid);
  },
};
