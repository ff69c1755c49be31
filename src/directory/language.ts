/**
 * An account's language: the one Sealpost's own mail to it is written in (the cut-off notices) and,
 * once chosen on the web console, its pages. Unset (null), the config's `[notices] language` holds.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/index.ts";
import { DirectoryError, normalizeAddress } from "./directory.ts";

/** The languages Sealpost writes in. */
const LANGUAGES = ["en", "de"] as const;
export type Language = (typeof LANGUAGES)[number];

/** "de" → "de"; anything else is a one-line error naming the choices. */
export function parseLanguage(text: string): Language {
  const lang = LANGUAGES.find((l) => l === text.trim().toLowerCase());
  if (lang === undefined) throw new DirectoryError(`language: expected one of ${LANGUAGES.join(", ")}, got "${text.slice(0, 40)}"`);
  return lang;
}

/** Sets the language of the account named by address (the CLI) or id (the signed-in web user); returns its address. */
export async function setAccountLanguage(db: Kysely<Database>, who: { address: string } | { id: number }, language: Language): Promise<string> {
  const q = db.updateTable("accounts").set({ language });
  const row = await ("id" in who ? q.where("id", "=", who.id) : q.where("address", "=", normalizeAddress(who.address).address)).returning("address").executeTakeFirst();
  if (row === undefined) throw new DirectoryError(`no such account: ${"id" in who ? `#${who.id}` : normalizeAddress(who.address).address}`);
  return row.address;
}
