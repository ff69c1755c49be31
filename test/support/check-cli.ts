/**
 * `sealpost check` run as a person runs it: in its own process, so the servers a test scripts in
 * this process keep answering while it probes them.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { CHECK_SCHEMA, validateAgainstSchema, type CheckReport } from "../../src/check/index.ts";
import { CLI, NODE } from "../harness.ts";

export interface CheckRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** `sealpost check ARGS`: its exit status and what it printed. */
export function runCheck(args: readonly string[]): Promise<CheckRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn(NODE, [CLI, "check", ...args], { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    proc.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    proc.once("error", reject);
    proc.once("close", (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** `sealpost check ARGS --json`: the report, validated against the schema. */
export async function checkJson(args: readonly string[]): Promise<{ status: number; report: CheckReport; stderr: string }> {
  const r = await runCheck([...args, "--json"]);
  const report = JSON.parse(r.stdout) as CheckReport;
  assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, report), [], "the report validates against its schema");
  return { status: r.status, report, stderr: r.stderr };
}
