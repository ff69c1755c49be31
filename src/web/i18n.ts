/**
 * The page's language: the visitor's choice (the `lang` cookie, set by the switch on every page),
 * else the best of English and German in Accept-Language (RFC 9110 §12.5.4, by q-value), else
 * English.
 */
import { de } from "./text-de.ts";
import { en, type Text } from "./text-en.ts";

export type Lang = "en" | "de";
export const LANGS: readonly Lang[] = ["en", "de"];
const CATALOGUES: Record<Lang, Text> = { en, de };

export const textFor = (lang: Lang): Text => CATALOGUES[lang];

export const isLang = (s: string | undefined): s is Lang => s === "en" || s === "de";

export function pickLang(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(cookie)) return cookie;
  let best: { lang: Lang; q: number } | null = null;
  // At most 32 ranges: a header is read in time linear in its size and no further.
  for (const range of (acceptLanguage ?? "").slice(0, 1024).split(",").slice(0, 32)) {
    const [tag = "", ...params] = range.trim().toLowerCase().split(";");
    const primary = tag.split("-")[0];
    if (!isLang(primary)) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) continue;
    if (best === null || q > best.q) best = { lang: primary, q };
  }
  return best?.lang ?? "en";
}
