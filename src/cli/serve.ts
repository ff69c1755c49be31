/**
 * `sealpost serve`: runs the server until SIGTERM/SIGINT (finish transactions in flight, then
 * exit); SIGHUP reloads config, certificates and policy without dropping connections.
 * `--demo` (what `npm start` runs) first sets up a data directory with a demo domain and account
 * when there is none.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { addAccount, addDomain, generatePassword } from "../directory/index.ts";
import { createLogger } from "../log/index.ts";
import { startServer } from "../server/index.ts";
import { dataDir, openDataDirStore } from "./common.ts";
import { initDataDir } from "./init.ts";
import { versionLine } from "./version.ts";

const DEMO_DOMAIN = "example.test";
const DEMO_ACCOUNT = `demo@${DEMO_DOMAIN}`;
const DEMO_ADMIN = `admin@${DEMO_DOMAIN}`;

async function setUpDemo(dir: string): Promise<void> {
  await initDataDir(dir, { hostname: "localhost", portBase: 10000, listen: "127.0.0.1" });
  const store = await openDataDirStore(dir);
  try {
    await addDomain(store.db, DEMO_DOMAIN);
    const password = generatePassword();
    await addAccount(store.db, DEMO_ACCOUNT, password);
    const adminPassword = generatePassword();
    await addAccount(store.db, DEMO_ADMIN, adminPassword, "admin");
    process.stdout.write(
      [
        `Set up a new data directory in ${dir}:`,
        `  domain   ${DEMO_DOMAIN}`,
        `  account  ${DEMO_ACCOUNT}`,
        `  password ${password}   (shown once; stored only as a hash)`,
        `  admin    ${DEMO_ADMIN}`,
        `  password ${adminPassword}   (shown once; stored only as a hash)`,
        `  MX       127.0.0.1:10025 (STARTTLS with a self-signed certificate for "localhost")`,
        `  console  https://127.0.0.1:10443/ (the same self-signed certificate: your browser asks you to accept it)`,
        `Sign in to the console with either account and its password.`,
        `Try: swaks --server 127.0.0.1:10025 --tls --to ${DEMO_ACCOUNT}`,
        "",
      ].join("\n"),
    );
  } finally {
    await store.close();
  }
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run every enabled listener")
    .option("--demo", "first create a demo set-up (ports 10025…, domain example.test) if the data directory has none")
    .action(async (flags: { data?: string; demo?: boolean }) => {
      const dir = dataDir(flags);
      if (flags.demo === true && !existsSync(join(dir, "sealpost.toml"))) await setUpDemo(dir);
      const log = createLogger();
      // Signals are handled from the start: one that arrives while the listeners come up waits for them.
      let stopRequested: string | null = null;
      let hupRequested = false;
      let onStop: (signal: string) => void = (signal) => (stopRequested = signal);
      let onHup: () => void = () => (hupRequested = true);
      process.on("SIGTERM", () => onStop("SIGTERM"));
      process.on("SIGINT", () => onStop("SIGINT"));
      process.on("SIGHUP", () => onHup());
      const server = await startServer(dir, log, versionLine());
      log.info(`sealpost serving from ${dir}`);
      onHup = () => {
        server
          .reload()
          .then(() => log.info("SIGHUP: configuration and certificates reloaded"))
          .catch((e: unknown) => log.error("SIGHUP: reload failed; keeping the running configuration", e));
      };
      if (hupRequested) onHup();
      await new Promise<void>((resolve) => {
        let stopping = false;
        onStop = (signal) => {
          if (stopping) return;
          stopping = true;
          log.info(`${signal}: finishing transactions in flight, then exiting`);
          server
            .shutdown()
            .catch((e: unknown) => log.error("shutdown failed", e))
            .finally(resolve);
        };
        if (stopRequested !== null) onStop(stopRequested);
      });
    });
}
