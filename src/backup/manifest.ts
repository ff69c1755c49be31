/** manifest.json: what a backup holds, written last; restore checks the database and file counts against it. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BackupError } from "./files.ts";

export const MANIFEST = "manifest.json";

export interface Manifest {
  format: "sealpost-backup";
  version: 1;
  /** When the backup began (ISO 8601): mail acknowledged before this is in it. */
  created: string;
  /** The data directory it was taken from. */
  source: string;
  database: { file: string; sha256: string; migration: string };
  /** Message files copied, and their bytes. */
  blobs: { count: number; bytes: number };
  /** Other files copied, relative to the data directory (sealpost.toml, certificates, keys). */
  files: string[];
  /** Files the config names outside the data directory: not in the backup, to be put back by hand. */
  notCopied: string[];
}

export function manifestText(m: Manifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

/** Checks a parsed manifest's shape; throws BackupError naming what is wrong. */
export function parseManifest(text: string, where: string): Manifest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new BackupError(`${where} is not valid JSON`);
  }
  const m = v as Partial<Manifest> | null;
  if (m === null || typeof m !== "object" || m.format !== "sealpost-backup") throw new BackupError(`${where} is not a Sealpost backup manifest`);
  if (m.version !== 1) throw new BackupError(`${where}: backup format version ${String(m.version)} is not one this Sealpost reads`);
  const db = m.database;
  const blobs = m.blobs;
  const ok =
    typeof m.created === "string" &&
    typeof m.source === "string" &&
    typeof db === "object" && db !== null && typeof db.file === "string" && /^[0-9a-f]{64}$/.test(db.sha256) && typeof db.migration === "string" &&
    typeof blobs === "object" && blobs !== null && Number.isSafeInteger(blobs.count) && Number.isSafeInteger(blobs.bytes) &&
    isStrings(m.files) && isStrings(m.notCopied) &&
    m.files.every((f) => !f.startsWith("/") && !f.split("/").includes(".."));
  if (!ok) throw new BackupError(`${where} is damaged (a field is missing or has the wrong type)`);
  return m as Manifest;
}

/** Reads DIR/manifest.json; a directory without one is not a (complete) backup. */
export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new BackupError(`${dir} has no ${MANIFEST}: not a complete Sealpost backup`);
    throw e;
  }
  return parseManifest(text, path);
}
