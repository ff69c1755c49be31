/** `sealpost init`: writes the config and a self-signed certificate into a new data directory, and readies its database. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { databaseOptions, renderConfig, STANDARD_PORTS, validateConfig } from "../config/index.ts";
import { generateSelfSigned, writeCertificateFiles } from "../tls/index.ts";
import { openDataDirStore, UsageError } from "./common.ts";

interface InitOptions {
  hostname: string;
  portBase: number;
  listen: string;
  /** A PostgreSQL database's URL (`--store`): store.backend = "postgres"; unset: SQLite in the data directory. */
  store?: string;
}

export async function initDataDir(dir: string, opts: InitOptions): Promise<string> {
  const configPath = join(dir, "sealpost.toml");
  if (existsSync(configPath)) throw new UsageError(`${configPath} exists already; refusing to overwrite it`);
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(opts.hostname)) throw new UsageError(`--hostname: expected a host name, got "${opts.hostname}"`);
  for (const p of Object.values(STANDARD_PORTS)) {
    if (opts.portBase + p > 65535) throw new UsageError(`--port-base: ${opts.portBase} + ${p} is past 65535`);
  }
  const store = opts.store === undefined ? {} : { store: { backend: "postgres", postgres: { url: opts.store } } };
  // The URL is checked before anything is written: a refused one leaves no config behind.
  if (opts.store !== undefined) databaseOptions(validateConfig({ hostname: opts.hostname, ...store }), dir);
  mkdirSync(join(dir, "certs"), { recursive: true });
  const pair = await generateSelfSigned({ hostnames: [opts.hostname], keyType: "ecdsa", days: 825 });
  await writeCertificateFiles(join(dir, "certs"), opts.hostname, pair);
  const port = (p: number): number => opts.portBase + p;
  const text = renderConfig({
    hostname: opts.hostname,
    ...store,
    tls: { certificates: [{ cert: `certs/${opts.hostname}.pem`, key: `certs/${opts.hostname}.key` }] },
    listeners: Object.fromEntries(
      Object.entries(STANDARD_PORTS).map(([name, p]) =>
        // The metrics endpoint answers without a sign-in: it keeps its loopback default whatever --listen says.
        // The HTTP redirect is off until an operator has port 80 to give it; the legacy endpoints until one needs them.
        name === "metrics" ? [name, { enabled: true, port: port(p) }] : [name, { enabled: name !== "http" && !name.startsWith("legacy_"), address: opts.listen, port: port(p) }],
      ),
    ),
  });
  writeFileSync(configPath, text, { mode: 0o600, flag: "wx" });
  // The database is made ready (migrated) now, so a wrong URL or a missing database shows here.
  const opened = await openDataDirStore(dir);
  await opened.close();
  return configPath;
}
