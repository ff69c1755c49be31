/**
 * Password hashing with scrypt (memory-hard, RFC 7914), stored in PHC string format:
 * `$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>`. Verification is constant-time, and
 * `dummyVerify` burns the same work for unknown accounts so timing does not reveal which exist.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { availableParallelism } from "node:os";
import { Gate } from "./gate.ts";

const LN = 15; // N = 2^15: 32 MiB with r = 8
const R = 8;
const P = 1;
const KEYLEN = 32;

/**
 * scrypt computations run one core fewer than the machine has at once (at least one).
 * They run in libuv's thread pool (4 threads), which also does every fsync: a burst of sign-ins
 * left unchecked would take every core from the event loop (all sessions' pages and replies) and
 * every pool thread from the durable writes (SMTP's 250 after DATA). The rest wait, first come
 * first served.
 */
const scryptGate = new Gate(availableParallelism() - 1);

function scrypt(password: string, salt: Buffer, ln: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N: 2 ** ln, r, p, maxmem: 256 * 1024 * 1024 };
  return scryptGate.run(
    () =>
      new Promise((resolve, reject) => {
        scryptCb(password.normalize("NFC"), salt, KEYLEN, opts, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

/** A new password's length, in characters (NIST SP 800-63B §5.1.1.2: at least 8; a long passphrase is welcome). */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, LN, R, P);
  return `$scrypt$ln=${LN},r=${R},p=${P}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (m === null) return false;
  const [, ln, r, p, salt, hash] = m;
  const expected = Buffer.from(hash ?? "", "base64url");
  const key = await scrypt(password, Buffer.from(salt ?? "", "base64url"), Number(ln), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

const DUMMY = `$scrypt$ln=${LN},r=${R},p=${P}$${Buffer.alloc(16).toString("base64url")}$${Buffer.alloc(KEYLEN).toString("base64url")}`;
/** Same cost as a real verification, always false: for unknown accounts. */
export async function dummyVerify(password: string): Promise<false> {
  await verifyPassword(password, DUMMY);
  return false;
}

/** A password for people to type once: 20 characters from an unambiguous alphabet (~110 bits). */
export function generatePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = randomBytes(40);
  let out = "";
  for (const b of bytes) {
    if (b < 55 * 4) out += alphabet[b % 55];
    if (out.length === 20) break;
  }
  return out.length === 20 ? out : generatePassword();
}
