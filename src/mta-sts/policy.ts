/**
 * The policy file (RFC 8461 §3.2) and MX matching (§4.1).
 *
 *   sts-policy-record   = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]
 *   sts-policy-field-delim = ":" *WSP
 *   sts-policy-version  = %s"version" delim %s"STSv1"
 *   sts-policy-mode     = %s"mode" delim (%s"testing" / %s"enforce" / %s"none")
 *   sts-policy-max-age  = %s"max_age" delim 1*10(DIGIT)        ; at most 31557600
 *   sts-policy-mx       = %s"mx" delim ["*."] Domain            ; may repeat
 *   sts-policy-extension = sts-policy-ext-name delim sts-policy-ext-value   ; ignored
 *   sts-policy-term     = LF / CRLF
 */
import type { MtaStsPolicy, ParsedPolicy } from "./types.ts";

/** §3.2: "max_age ... maximum value of 31557600" (one year). */
const MAX_MAX_AGE = 31_557_600;

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
/** RFC 5321 §4.1.2 sub-domain: Let-dig [Ldh-str]. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MODES = new Set<string>(["enforce", "testing", "none"]);

export type ParsePolicyResult = { ok: true; policy: ParsedPolicy } | { ok: false; error: string };

/** Parses a policy body (LF or CRLF lines); unknown keys are ignored (§3.2). */
export function parsePolicy(text: string): ParsePolicyResult {
  const single = new Map<string, string>();
  const mx: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").replace(/\r$/, "").replace(/[ \t]+$/, "");
    if (line === "") continue;
    const colon = line.indexOf(":");
    const key = colon < 0 ? "" : line.slice(0, colon);
    if (!KEY.test(key)) return fail(`line ${i + 1} is not "key: value"`);
    const value = line.slice(colon + 1).replace(/^[ \t]+/, "");
    if (key === "mx") {
      const pattern = mxPattern(value);
      if (pattern === null) return fail(`mx ${JSON.stringify(value)} is not a host name or *.domain`);
      mx.push(pattern);
    } else if (key === "version" || key === "mode" || key === "max_age") {
      if (single.has(key)) return fail(`${key} appears more than once`);
      single.set(key, value);
    }
  }
  const version = single.get("version");
  if (version !== "STSv1") return fail(version === undefined ? "version is missing" : `version ${JSON.stringify(version)} is not STSv1`);
  const mode = single.get("mode");
  if (mode === undefined) return fail("mode is missing");
  if (!isMode(mode)) return fail(`mode ${JSON.stringify(mode)} is not enforce, testing or none`);
  const maxAgeText = single.get("max_age");
  if (maxAgeText === undefined) return fail("max_age is missing");
  if (!/^[0-9]{1,10}$/.test(maxAgeText)) return fail(`max_age ${JSON.stringify(maxAgeText)} is not a number of seconds`);
  const maxAge = Number(maxAgeText);
  if (maxAge > MAX_MAX_AGE) return fail(`max_age ${maxAge} exceeds ${MAX_MAX_AGE}`);
  // An mx is required for enforce and testing; "none" exists to withdraw a policy (§3.2, §8.3) and
  // is accepted without one.
  if (mx.length === 0 && mode !== "none") return fail("no mx");
  return { ok: true, policy: { mode, mx, maxAge } };
}

function fail(error: string): ParsePolicyResult {
  return { ok: false, error: `policy: ${error}` };
}

function isMode(s: string): s is MtaStsPolicy["mode"] {
  return MODES.has(s);
}

/** A valid ["*."] Domain, lower case without a trailing dot, or null. */
function mxPattern(value: string): string | null {
  const pattern = value.toLowerCase().replace(/\.$/, "");
  const domain = pattern.startsWith("*.") ? pattern.slice(2) : pattern;
  if (domain.length === 0 || domain.length > 253) return null;
  return domain.split(".").every((label) => LABEL.test(label)) ? pattern : null;
}

/**
 * §4.1: does the MX host name `host` match the policy's `pattern`? A "*." pattern matches exactly
 * one more leftmost label ("*.example.com" matches "mx.example.com", not "example.com" nor
 * "a.b.example.com"). Case-insensitive; trailing dots are ignored.
 */
export function mxMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, "");
  const h = host.toLowerCase().replace(/\.$/, "");
  if (p === "" || h === "") return false;
  if (!p.startsWith("*.")) return p === h;
  const dot = h.indexOf(".");
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

/** Whether `host` matches any of the policy's mx patterns. */
export function mxAllowed(policy: Pick<MtaStsPolicy, "mx">, host: string): boolean {
  return policy.mx.some((pattern) => mxMatches(pattern, host));
}
