/**
 * The compose form's body (multipart/form-data, RFC 7578), read as it streams in with bounded
 * memory: fields and files together at most the largest message the server takes (`[smtp]
 * max_message_size`); what comes beyond it is read and dropped, so the browser gets the answer page
 * rather than a reset connection, and the form says the message was too large. The fields become
 * `req.body`, so the CSRF check that runs next (@fastify/csrf-protection reads `req.body._csrf`)
 * sees the form's token like any other form's.
 */
import type {} from "@fastify/multipart"; // its FastifyRequest additions: isMultipart(), parts()
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Readable } from "node:stream";

export interface Upload {
  filename: string;
  contentType: string;
  content: Buffer;
}

interface ComposeForm {
  /** Single-valued fields as posted (to, cc, bcc, subject, text, action, reply, mode, draft). */
  fields: Record<string, string>;
  /** Attachments carried over by reference ("box.uid.section"). */
  keep: string[];
  uploads: Upload[];
  /** The body went over the limit: the uploads are dropped, the fields read before it are kept. */
  tooLarge: boolean;
}

/** Fields and files a compose form has; more is not a form of ours (busboy stops and the plugin answers 413). */
const LIMITS = { fields: 40, files: 100, parts: 200 };
/** A carried attachment reference is short; more of them than this is not a form of ours either. */
const MAX_KEEP = 100;

const forms = new WeakMap<FastifyRequest, ComposeForm>();

/** preHandler: reads a multipart body into a ComposeForm (a urlencoded one the body parser has read already). */
export function composeFormReader(maxBytes: () => number): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req) => {
    if (!req.isMultipart()) return;
    const max = maxBytes();
    const form: ComposeForm = { fields: {}, keep: [], uploads: [], tooLarge: false };
    let total = 0;
    for await (const part of req.parts({ limits: { ...LIMITS, fileSize: max, fieldSize: max } })) {
      if (part.type === "file") {
        // A file input left empty sends a part with no name and no bytes.
        const kept = await collect(part.file, form.tooLarge ? -1 : max - total);
        if (kept === null) {
          form.tooLarge = true;
          continue;
        }
        total += kept.length;
        if (part.filename !== "" || kept.length > 0) form.uploads.push({ filename: cleanFilename(part.filename), contentType: cleanType(part.mimetype), content: kept });
        continue;
      }
      const value = typeof part.value === "string" ? part.value : "";
      total += value.length;
      if (part.valueTruncated || total > max) {
        form.tooLarge = true;
        continue;
      }
      if (part.fieldname === "keep") {
        if (form.keep.length < MAX_KEEP) form.keep.push(value);
      } else if (!(part.fieldname in form.fields)) form.fields[part.fieldname] = value;
    }
    if (form.tooLarge) form.uploads = [];
    forms.set(req, form);
    req.body = form.fields;
  };
}

/** The form of this request: the multipart one read above, else the urlencoded fields (no files). */
export function composeForm(req: FastifyRequest): ComposeForm {
  const read = forms.get(req);
  if (read !== undefined) return read;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") fields[k] = v;
  const keep = body.keep;
  return { fields, keep: (Array.isArray(keep) ? keep : [keep]).filter((k): k is string => typeof k === "string").slice(0, MAX_KEEP), uploads: [], tooLarge: false };
}

/**
 * The stream's bytes, or null once they pass `budget` (or busboy cut the file at its fileSize). The
 * stream is always read to its end, what is past the budget dropped: stopping early would leave the
 * rest of the body unread, and the answer would not reach the browser.
 */
async function collect(stream: Readable & { truncated?: boolean }, budget: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= budget) chunks.push(chunk);
    else chunks.length = 0;
  }
  return size > budget || stream.truncated === true ? null : Buffer.concat(chunks);
}

/** A file name as the browser sent it, without a path (old browsers send one) or control characters. */
function cleanFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  const clean = base.replace(/[\x00-\x1f\x7f]/g, "").trim().slice(0, 255);
  return clean === "" ? "attachment" : clean;
}

/** The browser's content type when it is a plain type/subtype (RFC 2045 §5.1 tokens), else application/octet-stream. */
function cleanType(type: string): string {
  return /^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/i.test(type) ? type.toLowerCase() : "application/octet-stream";
}
