/**
 * The _mta-sts TXT record (RFC 8461 §3.1):
 *
 *   sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
 *   sts-version     = %s"v=STSv1"
 *   sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
 *   sts-field-delim = *WSP ";" *WSP
 *   sts-extension   = sts-ext-name "=" sts-ext-value
 *   sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
 */

const VERSION = "v=STSv1";
const FIELD_DELIM = /[ \t]*;[ \t]*/;
const ID = /^id=([A-Za-z0-9]{1,32})$/;
const EXTENSION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}=[\x21-\x3a\x3c\x3e-\x7e]+$/;

/** Parses one record; null when it is not a valid STSv1 record with exactly one id. */
export function parseTxtRecord(txt: string): { id: string } | null {
  const parts = txt.split(FIELD_DELIM);
  if (parts[0] !== VERSION) return null;
  // A trailing delimiter leaves one empty part at the end; any other empty part is a syntax error.
  const fields = parts.at(-1) === "" ? parts.slice(1, -1) : parts.slice(1);
  if (fields.length === 0) return null;
  let id: string | null = null;
  for (const field of fields) {
    const m = ID.exec(field);
    if (m !== null) {
      if (id !== null) return null;
      id = m[1] ?? null;
    } else if (!EXTENSION.test(field)) {
      return null;
    }
  }
  return id === null ? null : { id };
}

/**
 * §3.1: of the TXT records at _mta-sts.DOMAIN, those not starting with "v=STSv1;" are discarded;
 * unless exactly one remains and it is valid, the domain has no available policy.
 */
export function selectTxtRecord(records: readonly string[]): { id: string } | { error: string } | null {
  const sts = records.filter((r) => /^v=STSv1[ \t]*;/.test(r));
  if (sts.length === 0) return null;
  if (sts.length > 1) return { error: `${sts.length} STSv1 TXT records (exactly one is allowed)` };
  const parsed = parseTxtRecord(sts[0] ?? "");
  return parsed ?? { error: `invalid STSv1 TXT record: ${JSON.stringify(sts[0])}` };
}
