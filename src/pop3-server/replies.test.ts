import { test } from "node:test";
import assert from "node:assert/strict";
import { QuitText } from "./replies.ts";

test("QUIT's sign-off counts what it removed (RFC 1939 §6), and says nothing of deletions when none were", () => {
  assert.equal(QuitText.deleted(0), "Logging out.");
  assert.equal(QuitText.deleted(1), "Logging out, 1 message deleted.");
  assert.equal(QuitText.deleted(3), "Logging out, 3 messages deleted.");
});
