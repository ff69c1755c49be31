/**
 * The fuzzing regime (issue 9): property-based fuzzers (fast-check) beside each parser of client
 * input, in `*.fuzz.test.ts` files. `npm test` runs each harness for FUZZ_SECONDS (default 2) with
 * a fixed seed; `npm run fuzz` runs them longer with a random seed, printed so that a failure can
 * be replayed:  FUZZ_SEED=<seed> node --test src/path/x.fuzz.test.ts
 *
 * Besides "no exception escapes" and invariants, a harness asserts that time is linear in the
 * input's size (`assertLinear`: the work for n and k·n compared, best of a few interleaved runs,
 * never an absolute time) and that memory stays bounded (each harness checks what its reader
 * holds against its limit).
 */
import type { TestContext } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";

// A full collection before each timed run, so that one run's garbage is not billed to the next
// and every run starts from the same heap (collections are amortized linear, but noisy).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const pause = new Int32Array(new SharedArrayBuffer(4));
function collect(): void {
  gc();
  Atomics.wait(pause, 0, 0, 2); // the collector's background threads finish outside the timed run
}

/** Seconds each harness (one file) fuzzes for; its properties share them. */
export const FUZZ_SECONDS = positive(process.env.FUZZ_SECONDS, 2);

/** A number replays a run; "random" (npm run fuzz) draws one; unset: a fixed seed. */
export const FUZZ_SEED = seedFrom(process.env.FUZZ_SEED);

function positive(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

function seedFrom(text: string | undefined): number {
  if (text === "random") return (Math.random() * 0x7fffffff) | 0;
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isSafeInteger(n) ? n : 20_260_906;
}

/**
 * Runs `property` for `share` of the harness's FUZZ_SECONDS with FUZZ_SEED; reports the runs and
 * the seed as test diagnostics, and on failure throws fast-check's report (counterexample, seed,
 * path) with the command that replays it.
 */
export function fuzz<Ts>(t: TestContext, property: fc.IProperty<Ts>, share = 1): void {
  const ms = Math.max(50, Math.round(FUZZ_SECONDS * 1000 * share));
  const details = fc.check(property, { seed: FUZZ_SEED, numRuns: 1e9, plugins: [fc.interruptAfterTimeLimit(ms)] });
  t.diagnostic(`seed ${FUZZ_SEED}: ${details.numRuns} runs in ${ms} ms`);
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? `\n${details.errorInstance.message}` : "";
    throw new Error(`${fc.defaultReportMessage(details) ?? "property failed"}${cause}\nreplay: FUZZ_SEED=${FUZZ_SEED} node --test ${process.argv[1] ?? ""}`);
  }
  if (details.numRuns === 0) throw new Error(`no run completed in ${ms} ms`);
}

export interface LinearOptions {
  /** Names the case in the figures and in the error. */
  name?: string;
  /** The first size tried; doubled until one run takes minMs. */
  n0?: number;
  /** Largest size calibration may reach. */
  maxN?: number;
  /** The size ratio compared (n and k·n). Default 8. */
  k?: number;
  /** Allowed slack over k: linear code stays under k·factor, quadratic reaches k·k. Default 3. */
  factor?: number;
  /** Interleaved runs per size; the fastest counts (a loaded machine only ever adds time). Default 3. */
  reps?: number;
  /**
   * The time one run at n must take: past timer resolution and past the sizes where everything
   * dies young in V8's nursery (below that, per-item cost jumps with size for any allocating
   * code). Default 10 ms.
   */
  minMs?: number;
}

/** CPU milliseconds of this process: time spent waiting for a busy machine's cores is not counted. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Asserts that `run(make(n))` costs time linear in n: the fastest of a few interleaved runs at n and
 * at k·n are compared, and their ratio must stay under k·factor (quadratic work gives about k²).
 * Time is the process's CPU time; inputs are built outside the timed region; n is calibrated
 * after a warm-up, so the code runs optimized. Returns the figures for a diagnostic line.
 */
export function assertLinear<T>(make: (n: number) => T, run: (input: T) => unknown, opts: LinearOptions = {}): string {
  const k = opts.k ?? 8;
  const factor = opts.factor ?? 3;
  const reps = opts.reps ?? 3;
  const minMs = opts.minMs ?? 10;
  const maxN = opts.maxN ?? 1 << 24;
  const time = (input: T): number => {
    collect();
    const t0 = cpuMs();
    run(input);
    return cpuMs() - t0;
  };
  let n = opts.n0 ?? 1024;
  let small = make(n);
  // Warm-up, so that calibration does not stop early on cold code: let the JIT optimize.
  for (let i = 0, t0 = cpuMs(); i < 30 && cpuMs() - t0 < 100; i++) run(small);
  while (Math.min(time(small), time(small)) < minMs && n * 2 * k <= maxN) {
    n *= 2;
    small = make(n);
  }
  let large = make(n * k);
  let tSmall = Infinity;
  let tLarge = Infinity;
  let figures = "";
  // Calibration ran on code the JIT was still optimizing: when the small input now runs faster than
  // minMs, it is grown (it sits in the allocation regime where per-item cost still jumps with size).
  // A further round only when a round is over the limit: quadratic work fails every round, a
  // collection or a busy neighbour in one round does not.
  for (let round = 0; round < 3; ) {
    for (let i = 0; i < reps; i++) {
      tSmall = Math.min(tSmall, time(small));
      tLarge = Math.min(tLarge, time(large));
    }
    if (tSmall < minMs && n * 2 * k <= maxN) {
      n *= 2;
      small = make(n);
      large = make(n * k);
      tSmall = tLarge = Infinity;
      continue;
    }
    const ratio = tLarge / Math.max(tSmall, 0.01);
    figures = `${opts.name ?? ""}${opts.name === undefined ? "" : ": "}n=${n}: ${tSmall.toFixed(2)} ms, ${k}n: ${tLarge.toFixed(2)} ms CPU (×${ratio.toFixed(1)}, limit ×${k * factor})`;
    if (ratio <= k * factor) return figures;
    round++;
  }
  throw new Error(`time is not linear in the input size: ${figures}`);
}
