/** `sealpost user add|passwd|set|show|language|list`: passwords come from stdin, or are generated and printed once; roles, disabling and storage quotas; the language of the notices. */
import type { Command } from "commander";
import { PASSWORD_MAX, PASSWORD_MIN, addAccount, generatePassword, listAccounts, normalizeAddress, parseLanguage, parseRole, setAccount, setAccountLanguage, setPassword } from "../directory/index.ts";
import { withStore, formatSize, parseOnOff, parseSizeFlag, printJson, printTable, readStdin, UsageError } from "./common.ts";

interface UserFlags {
  data?: string;
  json?: boolean;
  domain?: string;
  role?: string;
  disabled?: string;
  quota?: string;
}

/** "12.5M of 2G (1%)", "12.5M (no limit)": an account's storage as `user show` and `user list` print it. */
function storageLine(a: { usedBytes: number; quotaBytes: number | null }): string {
  if (a.quotaBytes === null) return `${formatSize(a.usedBytes)} (no limit)`;
  return `${formatSize(a.usedBytes)} of ${formatSize(a.quotaBytes)} (${Math.floor((a.usedBytes / a.quotaBytes) * 100)}%)`;
}

/** The password piped on stdin (first line), or a generated one that must be shown once. */
async function passwordFromStdin(): Promise<{ password: string; generated: boolean }> {
  const input = (await readStdin()).split(/\r?\n/)[0] ?? "";
  if (input === "") return { password: generatePassword(), generated: true };
  if (input.length < PASSWORD_MIN) throw new UsageError(`password: at least ${PASSWORD_MIN} characters`);
  if (input.length > PASSWORD_MAX) throw new UsageError(`password: at most ${PASSWORD_MAX} characters`);
  return { password: input, generated: false };
}

export function registerUser(program: Command): void {
  const user = program.command("user").description("accounts");
  user
    .command("add <address>")
    .description("create an account (password from stdin, or generated and printed once)")
    .option("--role <role>", "user, domain-admin (its own domain and any it is given) or admin", "user")
    .option("--json", "print the record as JSON")
    .action(async (address: string, flags: UserFlags) => {
      const role = parseRole(flags.role ?? "user");
      const { password, generated } = await passwordFromStdin();
      await withStore(flags, async (store) => {
        const a = await addAccount(store.db, address, password, role);
        if (flags.json === true) printJson({ ...a, ...(generated ? { password } : {}) });
        else {
          process.stdout.write(a.mailbox ? `added ${a.address}\n` : `added ${a.address} (console only: ${a.domain} is a relay domain, so no mailbox here; it signs in to the web console)\n`);
          if (generated) process.stdout.write(`password: ${password}\n(shown once; it is stored only as a hash)\n`);
        }
      });
    });
  user
    .command("passwd <address>")
    .description("set a new password (from stdin, or generated and printed once)")
    .action(async (address: string, flags: UserFlags) => {
      const { password, generated } = await passwordFromStdin();
      await withStore(flags, async (store) => {
        await setPassword(store.db, address, password);
        process.stdout.write(`password changed for ${address.toLowerCase()}\n`);
        if (generated) process.stdout.write(`password: ${password}\n(shown once; it is stored only as a hash)\n`);
      });
    });
  user
    .command("set <address>")
    .description("change an account's settings: its role, whether it is disabled (a disabled account cannot sign in anywhere and receives no mail), its storage quota")
    .option("--role <role>", "user, domain-admin or admin")
    .option("--disabled <on|off>", "on: refuse its sign-ins on every protocol and its mail")
    .option("--quota <size>", "storage for its messages in all its mailboxes, e.g. 500M, 2G (powers of 1024), or none; over it IMAP APPEND/COPY get NO [OVERQUOTA] and the MX 452 4.2.2")
    .option("--json", "print the record as JSON")
    .action(async (address: string, flags: UserFlags) => {
      if (flags.role === undefined && flags.disabled === undefined && flags.quota === undefined) throw new UsageError("user set: give --role, --disabled and/or --quota");
      const opts = {
        ...(flags.role !== undefined ? { role: parseRole(flags.role) } : {}),
        ...(flags.disabled !== undefined ? { disabled: parseOnOff("--disabled", flags.disabled) } : {}),
        ...(flags.quota !== undefined ? { quotaBytes: parseSizeFlag("--quota", flags.quota) } : {}),
      };
      await withStore(flags, async (store) => {
        const a = await setAccount(store.db, address, opts);
        if (flags.json === true) printJson(a);
        else process.stdout.write(`${a.address}: role ${a.role}${a.disabled ? ", disabled" : ""}, storage ${storageLine(a)}\n`);
      });
    });
  user
    .command("show <address>")
    .description("one account: role, state, storage used and its quota")
    .option("--json", "print the record as JSON")
    .action(async (address: string, flags: UserFlags) => {
      await withStore(flags, async (store) => {
        const [a] = await listAccounts(store.db, { address: normalizeAddress(address).address });
        if (a === undefined) throw new UsageError(`no such account: ${address.toLowerCase()}`);
        if (flags.json === true) printJson(a);
        else {
          const rows: Array<[string, string]> = [
            ["address", a.address],
            ["role", a.role],
            ["mailbox", a.mailbox ? "yes" : "no (console only)"],
            ["disabled", a.disabled ? "yes" : "no"],
            ["storage", storageLine(a)],
            ["created", new Date(a.createdAt).toISOString()],
          ];
          for (const [k, v] of rows) process.stdout.write(`${`${k}:`.padEnd(10)}${v}\n`);
        }
      });
    });
  user
    .command("language <address> <language>")
    .description("the language (en or de) of the notices Sealpost sends the account; unset, [notices] language holds")
    .action(async (address: string, language: string, flags: UserFlags) => {
      const lang = parseLanguage(language);
      await withStore(flags, async (store) => {
        const a = await setAccountLanguage(store.db, { address }, lang);
        process.stdout.write(`${a}: language ${lang}\n`);
      });
    });
  user
    .command("list")
    .description("list accounts")
    .option("--domain <domain>", "only this domain's accounts")
    .option("--json", "print records as JSON")
    .action(async (flags: UserFlags) => {
      await withStore(flags, async (store) => {
        const list = await listAccounts(store.db, flags.domain !== undefined ? { domain: flags.domain } : {});
        if (flags.json === true) printJson(list);
        else
          printTable(
            ["ADDRESS", "DOMAIN", "ROLE", "MAILBOX", "DISABLED", "STORAGE", "CREATED"],
            list.map((a) => [a.address, a.domain, a.role, a.mailbox ? "yes" : "no (console only)", a.disabled ? "yes" : "", storageLine(a), new Date(a.createdAt).toISOString()]),
          );
      });
    });
}
