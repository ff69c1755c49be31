/**
 * FETCH data items as they go on the wire (RFC 9051 §7.5.2, RFC 3501 §7.4.2, RFC 3516 §4.2 for
 * BINARY): each item formats into pieces — strings (UTF-8) and Buffers (literal data, counted in
 * bytes) — that the FETCH command concatenates into one response.
 */
import { applyPartial, extractBinary, extractSection, type SectionSpec } from "../../mime/index.ts";
import { fetchResponseName, formatDateTime, literalPrefix, type FetchAtt, type Section } from "../parser/index.ts";
import type { LoadedMessage, MessageSummary, StaticRow } from "../message-cache.ts";

/** What FETCH needs to read for an item list. */
interface FetchNeeds {
  /** size / internal date / blob name from the database. */
  row: boolean;
  /** ENVELOPE, BODY, BODYSTRUCTURE: the cached summary. */
  summary: boolean;
  /** Message bytes and tree. */
  content: boolean;
  /** A non-PEEK body item: sets \Seen (RFC 9051 §6.4.5). */
  setsSeen: boolean;
  /** MODSEQ (RFC 7162 §3.1.4): flags and modseq from the store, not the view. */
  modseq: boolean;
}

export function fetchNeeds(items: readonly FetchAtt[]): FetchNeeds {
  const n: FetchNeeds = { row: false, summary: false, content: false, setsSeen: false, modseq: false };
  for (const att of items) {
    switch (att.type) {
      case "FLAGS":
      case "UID":
        break;
      case "MODSEQ":
        n.modseq = true;
        break;
      case "INTERNALDATE":
      case "RFC822.SIZE":
        n.row = true;
        break;
      case "ENVELOPE":
      case "BODY":
      case "BODYSTRUCTURE":
        n.row = n.summary = true;
        break;
      case "RFC822":
      case "RFC822.TEXT":
        n.row = n.content = n.setsSeen = true;
        break;
      case "RFC822.HEADER":
      case "BINARY.SIZE":
        n.row = n.content = true;
        break;
      case "BODY[]":
      case "BINARY[]":
        n.row = n.content = true;
        if (!att.peek) n.setsSeen = true;
        break;
    }
  }
  return n;
}

export interface FetchSubject {
  seq: number;
  uid: number;
  flags: string;
  /** Read only for MODSEQ; 0 otherwise. */
  modseq: number;
  row: StaticRow | undefined;
  summary: MessageSummary | undefined;
  loaded: LoadedMessage | undefined;
}

export type Piece = string | Buffer;

function need<T>(v: T | undefined): T {
  if (v === undefined) throw new Error("fetch: data not loaded");
  return v;
}

function toSpec(section: Section): SectionSpec {
  const spec: SectionSpec = { part: section.part };
  if (section.text !== null) spec.text = section.text;
  if (section.fields.length > 0) spec.fields = section.fields;
  return spec;
}

function literal(out: Piece[], data: Buffer, binary = false): void {
  out.push(literalPrefix(data.length, binary && data.includes(0)), data);
}

/** Appends `NAME value` for one item to `out`. May throw UnknownCteError (BINARY). */
export function formatItem(att: FetchAtt, m: FetchSubject, out: Piece[]): void {
  switch (att.type) {
    case "FLAGS":
      out.push(`FLAGS (${m.flags})`);
      return;
    case "UID":
      out.push(`UID ${m.uid}`);
      return;
    case "MODSEQ":
      out.push(`MODSEQ (${m.modseq})`);
      return;
    case "INTERNALDATE":
      out.push(`INTERNALDATE ${formatDateTime(new Date(need(m.row).internalDate))}`);
      return;
    case "RFC822.SIZE":
      out.push(`RFC822.SIZE ${need(m.row).size}`);
      return;
    case "ENVELOPE":
      out.push(`ENVELOPE ${need(m.summary).envelope}`);
      return;
    case "BODY":
      out.push(`BODY ${need(m.summary).body}`);
      return;
    case "BODYSTRUCTURE":
      out.push(`BODYSTRUCTURE ${need(m.summary).bodyStructure}`);
      return;
    case "RFC822": {
      out.push("RFC822 ");
      literal(out, need(m.loaded).raw);
      return;
    }
    case "RFC822.HEADER":
    case "RFC822.TEXT": {
      const msg = need(m.loaded);
      out.push(`${att.type} `);
      literal(out, extractSection(msg.raw, msg.tree, { part: [], text: att.type === "RFC822.HEADER" ? "HEADER" : "TEXT" }) ?? Buffer.alloc(0));
      return;
    }
    case "BODY[]": {
      const msg = need(m.loaded);
      const s = att.section;
      // The whole message needs no parsing. Dovecot answers a missing part with an empty string;
      // NIL would also do (RFC 9051 §7.5.2).
      let data = s.part.length === 0 && s.text === null ? msg.raw : (extractSection(msg.raw, msg.tree, toSpec(s)) ?? Buffer.alloc(0));
      if (att.partial !== null) data = applyPartial(data, att.partial.offset, att.partial.length);
      out.push(`${fetchResponseName(att)} `);
      literal(out, data);
      return;
    }
    case "BINARY[]": {
      const msg = need(m.loaded);
      let data = att.part.length === 0 ? msg.raw : extractBinary(msg.raw, msg.tree, att.part);
      out.push(`${fetchResponseName(att)} `);
      if (data === null) {
        out.push("NIL");
        return;
      }
      if (att.partial !== null) data = applyPartial(data, att.partial.offset, att.partial.length);
      literal(out, data, true);
      return;
    }
    case "BINARY.SIZE": {
      const { raw, tree } = need(m.loaded);
      const data = extractBinary(raw, tree, att.part);
      out.push(`${fetchResponseName(att)} ${data?.length ?? 0}`);
      return;
    }
  }
}
