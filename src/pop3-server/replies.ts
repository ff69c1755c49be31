/**
 * POP3 replies (RFC 1939 §3): "+OK" and "-ERR", with the extended response codes of RFC 2449 §8
 * and RFC 3206 in brackets where they apply.
 */
const OK = "+OK";
const ERR = "-ERR";

/** Response codes, RFC 2449 §8.1 (IN-USE, LOGIN-DELAY) and RFC 3206 §4–5 (SYS/TEMP, SYS/PERM, AUTH). */
export const RespCode = {
  /** RFC 3206 §5: the failure is about credentials or authentication policy. */
  AUTH: "AUTH",
  /** RFC 3206 §4: temporary system problem. */
  SYS_TEMP: "SYS/TEMP",
  SYS_PERM: "SYS/PERM",
  IN_USE: "IN-USE",
  LOGIN_DELAY: "LOGIN-DELAY",
} as const;

/**
 * QUIT (RFC 1939 §6): the sign-off says what the UPDATE state did — how many messages it removed,
 * or a plain sign-off when none were marked (Dovecot: "Logging out." / "Logging out, messages deleted.").
 */
export const QuitText = {
  SIGN_OFF: "Logging out.",
  deleted: (n: number): string => (n === 0 ? QuitText.SIGN_OFF : `Logging out, ${n} message${n === 1 ? "" : "s"} deleted.`),
} as const;

export class Pop3Error extends Error {
  override name = "Pop3Error";
  readonly code: string | null;
  readonly text: string;
  readonly close: boolean;
  constructor(text: string, opts: { code?: string; close?: boolean } = {}) {
    super(text);
    this.text = text;
    this.code = opts.code ?? null;
    this.close = opts.close ?? false;
  }
}

export function okLine(text: string): string {
  return text === "" ? `${OK}\r\n` : `${OK} ${text}\r\n`;
}

export function errLine(text: string, code: string | null = null): string {
  return `${ERR} ${code !== null ? `[${code}] ` : ""}${text}\r\n`;
}

/** A multi-line response (RFC 1939 §3): lines byte-stuffed, ended by ".". */
export function multiLine(first: string, lines: readonly string[]): string {
  return `${okLine(first)}${lines.map((l) => (l.startsWith(".") ? `.${l}` : l)).join("\r\n")}${lines.length > 0 ? "\r\n" : ""}.\r\n`;
}
