/**
 * The hand-off of a new message: its blob is written (blobs.ts), then the rows that name it commit
 * through the group committer. Both must be durable before the reply (principle 1); if the commit
 * fails, the file is removed at once instead of waiting for the sweep — unless a row names it after
 * all (a commit whose WAL fsync failed is in the database, only unacknowledged).
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";
import type { Store } from "./database.ts";
import type { Work } from "./committer.ts";
import type { WrittenBlob } from "./blobs.ts";

/** SQLite's limit on host parameters is 32,766; stay far below. */
const CHUNK = 500;

/** The names among `names` that a message row or a queue entry refers to. */
export async function referencedBlobs(db: Kysely<Database>, names: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < names.length; i += CHUNK) {
    const part = names.slice(i, i + CHUNK);
    const rows = await db
      .selectFrom("messages")
      .select("blob")
      .where("blob", "in", part)
      .union(db.selectFrom("queue").select("blob").where("blob", "in", part))
      .execute();
    for (const r of rows) found.add(r.blob);
  }
  return found;
}

/**
 * Commits `work` (which inserts the rows naming `blobs`) with the blobs' directories fsynced first.
 * On failure the unreferenced blobs are removed and the error is passed on; either way they stop
 * being in flight only once this is decided, so the sweep never sees a half-handed-off file.
 */
export async function commitWithBlobs<T>(store: Store, blobs: readonly WrittenBlob[], work: Work<T>): Promise<T> {
  try {
    return await store.committer.submit(work, blobs.map((b) => b.dir));
  } catch (e) {
    await removeUnreferenced(store, blobs.map((b) => b.name));
    throw e;
  } finally {
    for (const b of blobs) store.blobs.settle(b.name);
  }
}

/** Best effort: what cannot be checked or removed now (the database itself failing) is the sweep's. */
async function removeUnreferenced(store: Store, names: readonly string[]): Promise<void> {
  try {
    const kept = await referencedBlobs(store.db, names);
    await Promise.all(names.filter((n) => !kept.has(n)).map((n) => store.blobs.remove(n)));
  } catch {
    // Left for the sweep.
  }
}
