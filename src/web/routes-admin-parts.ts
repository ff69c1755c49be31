/**
 * What the administration page's parts share: how long a table may be, the "showing N of M" line,
 * and the shape of an action (a POST from one of its forms) and of its outcome.
 */
import type { FastifyRequest } from "fastify";
import type { WebDeps } from "./deps.ts";
import { html, type Html } from "./html.ts";
import type { Text } from "./text-en.ts";

/** Rows a table shows at most: a real server has more queued messages, accounts and destinations than a page can hold. */
export const ROWS = 200;

/** The days the TLS figures look back, as `sealpost tls-report` does by default. */
export const WINDOW_DAYS = 30;

/** "Showing N of M." under a table that holds fewer rows than there are. */
export function capped(t: Text, shown: number, total: number): Html | "" {
  return shown < total ? html`<p class="muted">${t.admin.showing(shown, total)}</p>` : "";
}

/** A field of a posted form, as text ("" when missing or not text). */
export function field(req: FastifyRequest, name: string): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const value = body[name];
  return typeof value === "string" ? value : "";
}

/**
 * What an action leads to: back to the page with a notice (Post/Redirect/Get), the page again with
 * a problem (bad input), or a page of its own (a new account's password, shown once).
 */
export type AdminOutcome =
  | { done: keyof Text["admin"]["done"]; subject: string; section: string }
  | { problem: string; status: number }
  | { title: string; main: Html };

/** One POST of the page, by its path under /admin/. The signed-in account is an admin (checked before). */
export type AdminAction = (deps: WebDeps, req: FastifyRequest) => Promise<AdminOutcome>;
