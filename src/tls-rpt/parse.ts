/**
 * A received TLS-RPT report (RFC 8460 §5.3): the mail's `application/tlsrpt+gzip` (or `+json`) part,
 * decoded, decompressed within a size limit, and checked field by field against §4.4 — a report is
 * input from anyone on the internet, so every field is checked for type and size before it is kept.
 */
import { gunzipSync } from "node:zlib";
import { decodeTransfer, isMultipart, parseMime, type MimePart } from "../mime/index.ts";
import type { FailureDetail, PolicyResult, PolicyType, TlsReport } from "./types.ts";

/** A report larger than this once decompressed is refused (a gzip bomb costs us this much at most). */
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;
/** Strings kept from a report are cut to this length; lists to MAX_ITEMS. */
const MAX_TEXT = 1024;
const MAX_ITEMS = 10_000;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

class ReportError extends Error {}

const POLICY_TYPES: readonly PolicyType[] = ["tlsa", "sts", "no-policy-found"];

function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ReportError(`${where} is not an object`);
  return v as Record<string, unknown>;
}

/**
 * Control characters (C0, DEL, C1) and bidirectional overrides, which a terminal or a page would
 * act on: a report's strings are shown to people as text, so such a character becomes U+FFFD.
 */
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function text(v: unknown, where: string): string {
  if (typeof v !== "string") throw new ReportError(`${where} is not a string`);
  return v.slice(0, MAX_TEXT).replace(UNSHOWABLE, "\ufffd");
}

function optionalText(v: unknown, where: string): string | undefined {
  return v === undefined ? undefined : text(v, where);
}

function count(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new ReportError(`${where} is not a count`);
  return v;
}

function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new ReportError(`${where} is not a list`);
  if (v.length > MAX_ITEMS) throw new ReportError(`${where} has more than ${MAX_ITEMS} entries`);
  return v;
}

/** RFC 3339 date-time (§4.4 "date-range"). */
function dateTime(v: unknown, where: string): string {
  const s = text(v, where);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) || Number.isNaN(Date.parse(s))) throw new ReportError(`${where} is not an RFC 3339 date-time`);
  return s;
}

function failureDetail(v: unknown, where: string): FailureDetail {
  const o = object(v, where);
  const detail: FailureDetail = { "result-type": text(o["result-type"], `${where} result-type`), "failed-session-count": count(o["failed-session-count"], `${where} failed-session-count`) };
  for (const key of ["sending-mta-ip", "receiving-mx-hostname", "receiving-mx-helo", "receiving-ip", "additional-information", "failure-reason-code"] as const) {
    const value = optionalText(o[key], `${where} ${key}`);
    if (value !== undefined) detail[key] = value;
  }
  return detail;
}

function policyResult(v: unknown, where: string): PolicyResult {
  const o = object(v, where);
  const p = object(o.policy, `${where} policy`);
  const type = text(p["policy-type"], `${where} policy-type`);
  if (!POLICY_TYPES.includes(type as PolicyType)) throw new ReportError(`${where} policy-type ${JSON.stringify(type)} is unknown`);
  const s = object(o.summary, `${where} summary`);
  const result: PolicyResult = {
    policy: { "policy-type": type as PolicyType, "policy-domain": text(p["policy-domain"], `${where} policy-domain`) },
    summary: {
      "total-successful-session-count": count(s["total-successful-session-count"], `${where} total-successful-session-count`),
      "total-failure-session-count": count(s["total-failure-session-count"], `${where} total-failure-session-count`),
    },
  };
  if (p["policy-string"] !== undefined) result.policy["policy-string"] = list(p["policy-string"], `${where} policy-string`).map((x, i) => text(x, `${where} policy-string[${i}]`));
  if (p["mx-host"] !== undefined) result.policy["mx-host"] = list(p["mx-host"], `${where} mx-host`).map((x, i) => text(x, `${where} mx-host[${i}]`));
  if (o["failure-details"] !== undefined) result["failure-details"] = list(o["failure-details"], `${where} failure-details`).map((d, i) => failureDetail(d, `${where} failure-details[${i}]`));
  return result;
}

/** Checks a decoded report against §4.4. */
export function parseReportJson(json: string): Parsed<TlsReport> {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return { ok: false, error: "the report is not JSON" };
  }
  try {
    const o = object(data, "the report");
    const range = object(o["date-range"], "date-range");
    return {
      ok: true,
      value: {
        "organization-name": text(o["organization-name"], "organization-name"),
        "date-range": { "start-datetime": dateTime(range["start-datetime"], "start-datetime"), "end-datetime": dateTime(range["end-datetime"], "end-datetime") },
        "contact-info": text(o["contact-info"], "contact-info"),
        "report-id": text(o["report-id"], "report-id"),
        policies: list(o.policies, "policies").map((p, i) => policyResult(p, `policies[${i}]`)),
      },
    };
  } catch (e) {
    if (e instanceof ReportError) return { ok: false, error: e.message };
    throw e;
  }
}

/** The first part, depth first, whose media type is one of `types`. */
function findPart(part: MimePart, types: readonly string[]): MimePart | null {
  const type = `${part.contentType.type}/${part.contentType.subtype}`.toLowerCase();
  if (types.includes(type)) return part;
  if (!isMultipart(part)) return null;
  for (const child of part.children) {
    const found = findPart(child, types);
    if (found !== null) return found;
  }
  return null;
}

/** The report carried by a TLS-RPT mail (§5.3: gzip, or plain JSON as §5.1 allows for it too). */
export function reportFromMessage(raw: Buffer): Parsed<TlsReport> {
  const part = findPart(parseMime(raw), ["application/tlsrpt+gzip", "application/tlsrpt+json"]);
  if (part === null) return { ok: false, error: "no application/tlsrpt+gzip or application/tlsrpt+json part" };
  let body: Buffer;
  try {
    body = decodeTransfer(raw.subarray(part.bodyStart, part.bodyEnd), part.encoding);
  } catch {
    return { ok: false, error: `the report part's transfer encoding ${part.encoding} is unknown` };
  }
  if (part.contentType.subtype.toLowerCase() === "tlsrpt+gzip") {
    try {
      // maxOutputLength stops inflating at the limit: a small bomb costs no more than the limit.
      body = gunzipSync(body, { maxOutputLength: MAX_REPORT_BYTES });
    } catch (e) {
      const tooBig = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
      return { ok: false, error: tooBig ? `the report is larger than ${MAX_REPORT_BYTES} bytes decompressed` : "the report part is not valid gzip" };
    }
  } else if (body.length > MAX_REPORT_BYTES) {
    return { ok: false, error: `the report is larger than ${MAX_REPORT_BYTES} bytes` };
  }
  return parseReportJson(body.toString("utf8"));
}
