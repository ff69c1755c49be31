#!/usr/bin/env -S node --max-semi-space-size=2
/**
 * The `sealpost` command. Usage and config errors: one line on stderr, exit status 2.
 * The shebang's V8 flag is SERVER_NODE_FLAGS (node-flags.ts).
 */
import { Command, CommanderError } from "commander";
import { dataDir, parseIntFlag, reportError } from "./common.ts";
import { registerDomain } from "./domain.ts";
import { registerHistory } from "./history.ts";
import { registerOutbound } from "./outbound.ts";
import { registerQueue } from "./queue.ts";
import { initDataDir } from "./init.ts";
import { registerReport } from "./report.ts";
import { registerServe } from "./serve.ts";
import { registerUser } from "./user.ts";

export function buildProgram(): Command {
  const program = new Command("sealpost")
    .description("Sealpost: a mail server that keeps mail encrypted in transit (TLS 1.2+ only)")
    .showHelpAfterError(false)
    .exitOverride();
  program.configureOutput({ outputError: (str, write) => write(`sealpost: ${str.replace(/^error: /, "").split("\n")[0] ?? ""}\n`) });
  program
    .command("init")
    .description("create sealpost.toml and a self-signed certificate in the data directory")
    .option("--data <dir>", "data directory", "./data")
    .option("--hostname <name>", "this server's host name", "localhost")
    .option("--port-base <n>", "run each standard port P on N+P (10000 → 10025, …)", "0")
    .option("--listen <address>", "address the listeners bind to", "0.0.0.0")
    .action(async (flags: { data?: string; hostname: string; portBase: string; listen: string }) => {
      const portBase = parseIntFlag("--port-base", flags.portBase, 0, 65000);
      const path = await initDataDir(dataDir(flags), { hostname: flags.hostname, portBase, listen: flags.listen });
      process.stdout.write(`wrote ${path}\n`);
    });
  registerServe(program);
  registerDomain(program);
  registerUser(program);
  registerReport(program);
  registerHistory(program);
  registerQueue(program);
  registerOutbound(program);
  for (const c of program.commands) c.exitOverride();
  for (const c of program.commands.flatMap((c) => c.commands)) c.exitOverride();
  return program;
}

async function main(): Promise<void> {
  // `sealpost … | head`: a closed pipe ends the command quietly.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportError(e);
  }
}

await main();
