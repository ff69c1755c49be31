/**
 * The time a Date field names (RFC 5322 §3.3), read as mail programs write it: with §4.3's obsolete
 * two- and three-digit years and zone names, comments dropped. The one reading of a Date header for
 * what people see (the webmail's list, its message page, a reply's "On DATE … wrote"); SEARCH's
 * SENTON/SENTBEFORE compare the calendar day as written, which is a different question.
 */

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
/** RFC 5322 §4.3 obsolete zones; military zones (one letter) are "-0000", as that section says to treat them. */
const ZONES: Record<string, number> = { ut: 0, gmt: 0, z: 0, est: -5, edt: -4, cst: -6, cdt: -5, mst: -7, mdt: -6, pst: -8, pdt: -7 };
const DATE_TIME = /^(?:[a-z]+\s*,\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]{1,5})?/i;

/**
 * A Date field's time (RFC 5322 §3.3, with §4.3's obsolete two- and three-digit years and zone
 * names), or null when it is not one. Comments are dropped first (CFWS: "(UTC)").
 */
export function parseDateField(value: string): number | null {
  const m = DATE_TIME.exec(value.replace(/\([^()]*\)/g, " ").trim());
  if (m === null) return null;
  const [, d = "", mon = "", y = "", hh = "", mm = "", ss = "0", zone = "+0000"] = m;
  const month = MONTHS.indexOf(mon.toLowerCase());
  let year = Number(y);
  if (y.length === 2) year += year < 50 ? 2000 : 1900; // RFC 5322 §4.3
  else if (y.length === 3) year += 1900;
  const day = Number(d);
  const hour = Number(hh);
  const minute = Number(mm);
  const second = Number(ss);
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  let offsetMinutes = 0;
  if (/^[+-]\d{4}$/.test(zone)) {
    const sign = zone.startsWith("-") ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  } else offsetMinutes = (ZONES[zone.toLowerCase()] ?? 0) * 60;
  const ms = Date.UTC(year, month, day, hour, minute, Math.min(second, 59)) - offsetMinutes * 60_000;
  return Number.isFinite(ms) ? ms : null;
}
