/** `sealpost user add|passwd|set|language|list`: passwords come from stdin, or are generated and printed once; roles and disabling; the language of the notices. */
import type { Command } from "commander";
import { PASSWORD_MAX, PASSWORD_MIN, addAccount, generatePassword, listAccounts, parseLanguage, parseRole, setAccount, setAccountLanguage, setPassword } from "../directory/index.ts";
import { withStore, parseOnOff, printJson, printTable, readStdin, UsageError } from "./common.ts";

interface UserFlags {
  data?: string;
  json?: boolean;
  domain?: string;
  role?: string;
  disabled?: string;
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
    .description("change an account's role, or disable it (a disabled account cannot sign in anywhere and receives no mail)")
    .option("--role <role>", "user, domain-admin or admin")
    .option("--disabled <on|off>", "on: refuse its sign-ins on every protocol and its mail")
    .option("--json", "print the record as JSON")
    .action(async (address: string, flags: UserFlags) => {
      if (flags.role === undefined && flags.disabled === undefined) throw new UsageError("user set: give --role and/or --disabled");
      const opts = {
        ...(flags.role !== undefined ? { role: parseRole(flags.role) } : {}),
        ...(flags.disabled !== undefined ? { disabled: parseOnOff("--disabled", flags.disabled) } : {}),
      };
      await withStore(flags, async (store) => {
        const a = await setAccount(store.db, address, opts);
        if (flags.json === true) printJson(a);
        else process.stdout.write(`${a.address}: role ${a.role}${a.disabled ? ", disabled" : ""}\n`);
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
            ["ADDRESS", "DOMAIN", "ROLE", "MAILBOX", "DISABLED", "CREATED"],
            list.map((a) => [a.address, a.domain, a.role, a.mailbox ? "yes" : "no (console only)", a.disabled ? "yes" : "", new Date(a.createdAt).toISOString()]),
          );
      });
    });
}
