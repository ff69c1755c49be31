/** JSON list columns of the audit tables, read back leniently (a bad row never breaks a report). */
export function parseList(v: string | null): string[] {
  if (v === null) return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}
