/**
 * What the SMTP benchmark reads from /proc (Linux): memory (VmRSS, VmHWM, PSS) and CPU ticks of
 * the server's processes, and how busy the whole machine is.
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  return procKb(`/proc/${pid}/status`, field);
}

/** A "Name:   123 kB" field of a /proc file; 0 if the process is gone. */
function procKb(path: string, field: string): number {
  try {
    const text = readFileSync(path, "latin1");
    const at = text.indexOf(`\n${field}:`);
    const m = at < 0 ? null : /^\s+(\d+) kB/.exec(text.slice(at + field.length + 2, at + field.length + 40));
    return m?.[1] !== undefined ? Number(m[1]) : 0;
  } catch {
    return 0; // the process ended between listing and reading
  }
}

/** `root` and its direct children (Postfix's master spawns every daemon itself). */
export function processTree(root: number): number[] {
  const pids = [root];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "latin1");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === root) pids.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** PSS is read every this many RSS samples: reading smaps_rollup walks every mapping of the process. */
const PSS_EVERY = 8;

/**
 * Samples the summed VmRSS of `pids()` every `everyMs` until stopped; returns the peaks in kB.
 * With `pss`, also the summed PSS (shared pages split between the processes that map them), the
 * fair figure for a multi-process server whose RSS sum counts shared libraries once per process.
 * PSS is read every PSS_EVERY samples and at the end: at every sample (250 ms), the reads of three
 * Node processes' smaps_rollup took ~4% of this 2-core machine, in the load generator's process,
 * during the measured rounds of exactly the multi-process servers.
 */
export function sampleRss(pids: () => number[], everyMs: number, pss = false): () => { rss: number; pss: number | null } {
  let peak = 0;
  let peakPss = 0;
  let ticks = 0;
  const tick = (withPss: boolean): void => {
    const m = memoryKb(pids(), withPss);
    peak = Math.max(peak, m.rss);
    peakPss = Math.max(peakPss, m.pss ?? 0);
  };
  tick(pss);
  const timer = setInterval(() => tick(pss && ++ticks % PSS_EVERY === 0), everyMs);
  return () => {
    clearInterval(timer);
    tick(pss);
    return { rss: peak, pss: pss ? peakPss : null };
  };
}

/** Summed VmRSS and (with `pss`) summed PSS of `pids` now, in kB. */
export function memoryKb(pids: readonly number[], pss: boolean): { rss: number; pss: number | null } {
  let rss = 0;
  let totalPss = 0;
  for (const p of pids) {
    rss += statusKb(p, "VmRSS");
    if (pss) totalPss += procKb(`/proc/${p}/smaps_rollup`, "Pss");
  }
  return { rss, pss: pss ? totalPss : null };
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "latin1");
  const v = f.slice(0, f.indexOf("\n")).trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
}

/** utime + stime of each pid, in clock ticks (the unit of /proc/stat). */
/**
 * CPU ticks (utime + stime, the unit of /proc/stat) of `root` and its live children, plus the
 * ticks of children that have ended and been reaped (root's cutime + cstime). The difference of
 * two readings is exact even when children come and go (Postfix's smtpd exits after 100 uses).
 */
export function treeCpuTicks(root: number): number {
  let total = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += Number(f[11]) + Number(f[12]);
      if (pid === root) total += Number(f[13]) + Number(f[14]);
    } catch {
      /* gone */
    }
  }
  return total;
}

/** How busy the machine is with no load from us: % of one core over `ms`. */
export async function idleLoad(ms: number): Promise<number> {
  const a = machineJiffies();
  await new Promise((r) => setTimeout(r, ms));
  const b = machineJiffies();
  return ((b.busy - a.busy) / Math.max(1, b.total - a.total)) * 100 * availableParallelism();
}
