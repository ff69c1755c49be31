/**
 * The checks every protocol's error table gets (src/*-server/error-table.test.ts): each case gives
 * its reply line and is not internal; every entry has a case and cites the RFC of its reply; and
 * unknown errors get the internal reply, which carries none of their message.
 */
import assert from "node:assert/strict";
import type { ErrorTable } from "../../src/net/index.ts";

export function assertTableCases<R>(table: ErrorTable<R>, cases: ReadonlyArray<readonly [Error, string]>, line: (e: unknown) => string): void {
  for (const [e, want] of cases) {
    assert.equal(line(e), want, e.name);
    assert.equal(table.replyFor(e).internal, false, e.name);
  }
  for (const en of table.entries) {
    assert.ok(cases.some(([e]) => e instanceof en.type), `no case for ${en.type.name}`);
    assert.match(en.rfc, /^RFC \d+ §[\d.]+/);
  }
}

export function assertInternal<R>(table: ErrorTable<R>, errors: readonly unknown[], line: (e: unknown) => string, want: string): void {
  for (const e of errors) {
    const { reply, internal } = table.replyFor(e);
    assert.equal(internal, true);
    assert.equal(reply, table.internal);
    assert.equal(line(e), want);
  }
}
