/** fsync of a file or a directory by path, in the thread pool (never on the event loop). */
import { open } from "node:fs/promises";

export async function syncPath(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
