/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by module and by function, and
 * inclusive time by function (each sample counted once per function on its stack).
 *
 *   node bench/cpuprof.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
const file = positionals[0];
if (file === undefined) throw new Error("usage: node bench/cpuprof.ts FILE.cpuprofile [--top N]");
const top = Number(values.top);
const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
const cwd = process.cwd();

/** A short module name: repo-relative path, package name, node:internal, or V8's (program)/(gc). */
function moduleOf(url: string, fn: string): string {
  if (url === "") return fn.startsWith("(") ? fn : "(native)";
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = path.slice(nm + 14).split("/");
    return `npm:${parts[0]?.startsWith("@") === true ? `${parts[0]}/${parts[1] ?? ""}` : (parts[0] ?? "")}`;
  }
  return path.startsWith("/") ? relative(cwd, path) : path;
}

const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const n of prof.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}
const keyOf = (n: ProfileNode): string => {
  const f = n.callFrame;
  return `${f.functionName || "(anonymous)"} ${moduleOf(f.url, f.functionName)}:${f.lineNumber + 1}`;
};

const selfByFn = new Map<string, number>();
const selfByModule = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
prof.samples.forEach((id, i) => {
  const dt = prof.timeDeltas[i] ?? 0;
  const n = byId.get(id);
  if (n === undefined) return;
  total += dt;
  const k = keyOf(n);
  selfByFn.set(k, (selfByFn.get(k) ?? 0) + dt);
  const m = moduleOf(n.callFrame.url, n.callFrame.functionName);
  selfByModule.set(m, (selfByModule.get(m) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur);
    if (node === undefined || node.callFrame.functionName === "(root)") continue;
    const key = keyOf(node);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
  }
});

const print = (title: string, m: Map<string, number>): void => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(v / 1000).toFixed(0).padStart(8)} ms ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
  }
};
process.stdout.write(`profile ${file}: ${(total / 1e6).toFixed(2)} s sampled, ${prof.samples.length} samples\n`);
print("self time by module", selfByModule);
print("self time by function", selfByFn);
print("inclusive time by function", inclusive);
