/**
 * The `sealpost` command. Usage and config errors: one line on stderr, exit status 2. Started
 * through sealpost.js, which switches V8's compile cache on before this file is even stripped.
 */
import { Command, CommanderError, Option } from "commander";
import { dataDir, parseIntFlag, reportError } from "./output.ts";
import { versionLine } from "./version.ts";

type Register = (program: Command) => void;

/**
 * Each command group's module, loaded only when its command runs (or for the full help): type
 * stripping and module loading are most of a short command's time, and `sealpost check` must not
 * pay for the store, the config and the outbound side.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  serve: async () => (await import("./serve.ts")).registerServe,
  domain: async () => (await import("./domain.ts")).registerDomain,
  user: async () => (await import("./user.ts")).registerUser,
  "tls-report": async () => (await import("./report.ts")).registerReport,
  history: async () => (await import("./history.ts")).registerHistory,
  legacy: async () => (await import("./legacy.ts")).registerLegacy,
  queue: async () => (await import("./queue.ts")).registerQueue,
  store: async () => (await import("./store.ts")).registerStore,
  policy: async () => (await import("./outbound.ts")).registerOutbound,
  relay: async () => (await import("./outbound.ts")).registerOutbound,
  check: async () => (await import("./check.ts")).registerCheck,
  status: async () => (await import("./status.ts")).registerStatus,
  maintenance: async () => (await import("./maintenance.ts")).registerMaintenance,
  backup: async () => (await import("./backup.ts")).registerBackup,
  restore: async () => (await import("./backup.ts")).registerBackup,
  export: async () => (await import("./backup.ts")).registerBackup,
  import: async () => (await import("./backup.ts")).registerBackup,
  cutoff: async () => (await import("./cutoff.ts")).registerCutoff,
  nodes: async () => (await import("./nodes.ts")).registerNodes,
  migrate: async () => (await import("./migrate.ts")).registerMigrate,
};

/** The program with every command, or only `only` (and `init`) when given. */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command("sealpost")
    .description("Sealpost: a mail server that keeps mail encrypted in transit (TLS 1.2+ only)")
    .showHelpAfterError(false)
    .version(versionLine(), "-V, --version", "print the version and the Node.js it runs on")
    .exitOverride();
  program.configureOutput({ outputError: (str, write) => write(`sealpost: ${str.replace(/^error: /, "").split("\n")[0] ?? ""}\n`) });
  program
    .command("init")
    .description("create sealpost.toml and a self-signed certificate in the data directory")
    .option("--hostname <name>", "this server's host name", "localhost")
    .option("--port-base <n>", "run each standard port P on N+P (10000 → 10025, …)", "0")
    .option("--listen <address>", "address the mail listeners bind to (metrics stay on 127.0.0.1)", "0.0.0.0")
    .option("--store <url>", "keep the store in this PostgreSQL database (postgres://USER@HOST:PORT/DATABASE) instead of SQLite in the data directory")
    .action(async (flags: { data?: string; hostname: string; portBase: string; listen: string; store?: string }) => {
      const portBase = parseIntFlag("--port-base", flags.portBase, 0, 65000);
      const { initDataDir } = await import("./init.ts");
      const path = await initDataDir(dataDir(flags), { hostname: flags.hostname, portBase, listen: flags.listen, ...(flags.store !== undefined ? { store: flags.store } : {}) });
      process.stdout.write(`wrote ${path}\n`);
    });
  const load = only !== undefined && COMMANDS[only] !== undefined ? [COMMANDS[only]] : [...new Set(Object.values(COMMANDS))];
  const registered = new Set<Register>();
  for (const register of await Promise.all(load.map((l) => l()))) {
    if (registered.has(register)) continue; // policy and relay share a module, as do backup, restore, export and import
    registered.add(register);
    register(program);
  }
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride();
  addDataOption(program);
  return program;
}

/** Commands that work without a data directory (they accept --data and ignore it, so scripts may pass it to every command). */
const NO_DATA = new Set(["check"]);

/** `--data DIR`, declared here once for every command (each leaf of the command tree). */
function addDataOption(program: Command): void {
  const leaves = (c: Command): Command[] => (c.commands.length === 0 ? [c] : c.commands.flatMap(leaves));
  for (const c of program.commands.flatMap(leaves)) {
    c.addOption(NO_DATA.has(c.name()) ? new Option("--data <dir>", "unused: needs no data directory").hideHelp() : new Option("--data <dir>", "data directory").default("./data"));
  }
}

/** Runs the command line in `process.argv` (sealpost.js calls it). */
export async function main(): Promise<void> {
  // `sealpost … | head`: a closed pipe ends the command quietly.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  try {
    const args = process.argv.slice(2);
    // `sealpost --version` answers before any command module is loaded.
    if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
      process.stdout.write(`${versionLine()}\n`);
      return;
    }
    const command = args.find((a) => !a.startsWith("-"));
    await (await buildProgram(command)).parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportError(e);
  }
}

