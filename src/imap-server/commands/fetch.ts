/**
 * FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9; RFC 3501 §6.4.5, §6.4.8; RFC 3516 BINARY).
 *
 * Reads as little as the items need: FLAGS and UID come from the session's view, size and
 * dates from one range read of the rows, ENVELOPE/BODYSTRUCTURE from the shared summary cache,
 * and only section items touch the message bytes (through the shared cache, a few reads ahead).
 * A non-PEEK body item sets \Seen first (one durable STORE for the whole command) and the
 * response then carries FLAGS. Responses are written in large chunks.
 */
import { flagStates, storeFlags } from "../../store/index.ts";
import type { Completion, ImapApi, ImapCommand } from "../command.ts";
import { no, ResponseCode } from "../errors.ts";
import { loadedOrGone, messageCache, readAhead, type LoadedMessage, type StaticRow } from "../message-cache.ts";
import { readFetchItems, type FetchAtt } from "../parser/index.ts";
import type { MailboxView } from "../view.ts";
import { fetchNeeds, formatItem, type FetchSubject, type Piece } from "./fetch-items.ts";
import { selectedView, targetSeqs, uidsOf } from "./fetch-targets.ts";
import { newKeywordResponses } from "./util.ts";
import { fetchVanished, readFetchModifiers, useCondstore } from "./condstore.ts";

/** Response bytes gathered before a write. */
const CHUNK = 256 * 1024;

function hasSeen(flags: string): boolean {
  return flags.split(" ").some((f) => f.toLowerCase() === "\\seen");
}

/** Runs a FETCH over `seqs` (ascending) of the selected mailbox. */
async function runFetch(s: ImapApi, view: MailboxView, target: readonly number[], requested: readonly FetchAtt[], uid: boolean, changedSince: number | null): Promise<Completion> {
  // RFC 9051 §6.4.9: UID FETCH responses always include UID.
  let items = uid && !requested.some((a) => a.type === "UID") ? [{ type: "UID" } as const, ...requested] : requested;
  // RFC 7162 §3.1.4.1: CHANGEDSINCE answers with MODSEQ, asked for or not.
  if (changedSince !== null && !items.some((a) => a.type === "MODSEQ")) items = [...items, { type: "MODSEQ" } as const];
  const needs = fetchNeeds(items);
  // RFC 7162 §3.1.4: MODSEQ comes with the flags it belongs to, from the store (the view may lag);
  // CHANGEDSINCE keeps only the messages changed after it. Flags newer than the view go out too.
  const states = needs.modseq ? await flagStates(s.store.db, view.mailboxId, uidsOf(view, target), changedSince ?? 0) : null;
  const seqs = states !== null && changedSince !== null ? target.filter((seq) => states.has(view.uidAt(seq) ?? 0)) : target;
  const cache = messageCache(s.store);
  const rows = needs.row ? await cache.rows(view, uidsOf(view, seqs)) : new Map<number, StaticRow>();

  // \Seen first, durably, so the FLAGS we send are the stored ones (RFC 9051 §6.4.5).
  /** Messages this FETCH set \Seen on, with the modseq that took. */
  const seenNow = new Map<number, number>();
  if (needs.setsSeen && !view.readOnly) {
    const unseen = seqs.filter((seq) => rows.has(view.uidAt(seq) ?? 0) && !hasSeen(view.flagsAt(seq)));
    if (unseen.length > 0) {
      for (const r of await storeFlags(s.store, view.mailboxId, uidsOf(view, unseen), "add", ["\\Seen"])) {
        const seq = view.seqOf(r.uid);
        if (!r.changed || seq === 0) continue;
        view.setFlags(seq, r.flags);
        seenNow.set(seq, r.modseq);
        states?.set(r.uid, { flags: r.flags, modseq: r.modseq });
      }
    }
  }
  const withFlags = items.some((a) => a.type === "FLAGS");
  // RFC 3501 §7.2.6: a keyword another session set, first seen in the flags just stored, is announced first.
  const announce = newKeywordResponses(view);
  if (announce !== "") s.write(announce);
  const withUid = items.some((a) => a.type === "UID");
  const newer = new Set<number>();

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
      const state = states?.get(msgUid);
      if (states !== null && state === undefined) {
        missing++; // expunged by another session, still in this view
        continue;
      }
      if (state !== undefined && state.flags !== view.flagsAt(seq)) {
        view.setFlags(seq, state.flags);
        newer.add(seq);
        // A keyword first seen here (another session's STORE) is announced before the FETCH that shows it.
        const keywords = newKeywordResponses(view);
        if (keywords !== "") out.push(keywords);
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
      const m: FetchSubject = { seq, uid: msgUid, flags: view.fetchFlags(seq), modseq: state?.modseq ?? 0, row, summary, loaded };
      const before = out.length;
      out.push(`* ${seq} FETCH (`);
      let first = true;
      for (const att of items) {
        if (!first) out.push(" ");
        first = false;
        formatItem(att, m, out);
      }
      if ((seenNow.has(seq) || newer.has(seq)) && !withFlags) out.push(` FLAGS (${m.flags})`);
      // RFC 7162 §3.1: once CONDSTORE is enabled, a FETCH that set \Seen says UID and MODSEQ too.
      const seenModseq = seenNow.get(seq);
      if (seenModseq !== undefined && s.condstore) {
        if (!withUid) out.push(` UID ${msgUid}`);
        if (state === undefined) out.push(` MODSEQ (${seenModseq})`);
      }
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
  async handle(s, cmd) {
    const view = selectedView(s);
    const a = cmd.args;
    a.sp();
    const set = a.sequenceSet();
    a.sp();
    const items = readFetchItems(a);
    const mods = readFetchModifiers(s, a, cmd.uid);
    const seqs = targetSeqs(view, set, cmd.uid);
    // RFC 7162 §3.1: MODSEQ and CHANGEDSINCE enable CONDSTORE; §3.2.6: VANISHED (EARLIER) comes first.
    if (mods.changedSince !== null || items.items.some((i) => i.type === "MODSEQ")) await useCondstore(s);
    if (mods.vanished) await fetchVanished(s, view, set, mods.changedSince ?? 0);
    return await runFetch(s, view, seqs, items.items, cmd.uid, mods.changedSince);
  },
};
