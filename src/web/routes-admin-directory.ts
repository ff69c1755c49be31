/**
 * The administration page's domains and accounts: every domain (hosted and relay) with its
 * mandatory-TLS switch and a link to its page, "Add domain"; the accounts with role and state,
 * "Add account" (the password is generated and shown once, as `sealpost user add` prints it),
 * Disable/Enable and "Set role". Bad input comes back as the directory's own message inside a
 * translated sentence. An admin cannot disable or demote their own account (and the directory
 * refuses to leave the server without an enabled admin, whoever asks).
 */
import type { FastifyRequest } from "fastify";
import type { SignedIn } from "../auth/index.ts";
import { DirectoryError, addAccount, addDomain, administeredDomains, countAccounts, generatePassword, listAccounts, normalizeAddress, parseRole, setAccount } from "../directory/index.ts";
import type { WebDeps } from "./deps.ts";
import { html, type Html } from "./html.ts";
import { notice, table } from "./page.ts";
import { ROWS, capped, field, type AdminAction, type AdminOutcome } from "./routes-admin-parts.ts";
import type { Text } from "./text-en.ts";

const ROLES = ["user", "domain-admin", "admin"] as const;

function domainsSection(t: Text, domains: Awaited<ReturnType<typeof administeredDomains>>, csrf: Html): Html {
  const a = t.admin;
  const c = a.domainColumns;
  const shown = domains.slice(0, ROWS);
  const rows = shown.map(
    (d) => html`<tr><td><a href="/domain/${d.name}">${d.name}</a></td><td>${t.domain.kinds[d.kind]}</td><td>${d.mandatoryTls ? t.domain.on : t.domain.off}</td></tr>`,
  );
  return html`<section aria-labelledby="domains"><h2 id="domains">${a.domainsTitle}</h2>
    ${table([c.domain, c.kind, c.mandatoryTls], rows)}${capped(t, shown.length, domains.length)}
    <h3 id="add-domain">${a.addDomainTitle}</h3>
    <form method="post" action="/admin/domains/add" class="stack" aria-labelledby="add-domain">${csrf}
      <label>${a.domainName}<input name="name" required maxlength="253" autocomplete="off"></label>
      <label class="check"><input type="checkbox" name="mandatory_tls" value="on"> ${a.mandatoryTls}</label>
      <button type="submit">${a.addDomain}</button></form></section>`;
}

function roleSelect(t: Text, id: string, current: string): Html {
  return html`<select id="${id}" name="role">${ROLES.map((r) => html`<option value="${r}"${r === current ? html` selected` : ""}>${t.admin.roles[r]}</option>`)}</select>`;
}

function accountRow(t: Text, account: Awaited<ReturnType<typeof listAccounts>>[number], csrf: Html): Html {
  const a = t.admin;
  const hidden = html`${csrf}<input type="hidden" name="address" value="${account.address}">`;
  const id = `role-${account.id}`;
  return html`<tr${account.disabled ? html` class="disabled"` : ""}><td>${account.address}</td><td>${a.roles[account.role]}</td><td>${account.disabled ? a.disabled : a.active}</td>
    <td class="actions"><form method="post" action="/admin/accounts/${account.disabled ? "enable" : "disable"}">${hidden}<button type="submit"${account.disabled ? "" : html` class="danger"`}>${account.disabled ? a.enable : a.disable}</button></form>
      <form method="post" action="/admin/accounts/role">${hidden}<label class="visually-hidden" for="${id}">${a.roleOf(account.address)}</label>${roleSelect(t, id, account.role)}<button type="submit">${a.setRole}</button></form></td></tr>`;
}

function accountsSection(t: Text, accounts: Awaited<ReturnType<typeof listAccounts>>, total: number, csrf: Html): Html {
  const a = t.admin;
  const c = a.accountColumns;
  return html`<section aria-labelledby="accounts"><h2 id="accounts">${a.accountsTitle}</h2>
    ${table([c.address, c.role, c.state, c.actions], accounts.map((x) => accountRow(t, x, csrf)))}${capped(t, accounts.length, total)}
    <h3 id="add-account">${a.addAccountTitle}</h3>
    <form method="post" action="/admin/accounts/add" class="stack" aria-labelledby="add-account">${csrf}
      <label>${a.address}<input name="address" type="email" required maxlength="320" autocomplete="off"></label>
      <label for="new-role">${a.role}</label>${roleSelect(t, "new-role", "user")}
      <p>${a.passwordIntro}</p>
      <button type="submit">${a.addAccount}</button></form></section>`;
}

export async function directorySections(t: Text, deps: WebDeps, user: SignedIn, csrf: Html): Promise<Html> {
  const [domains, accounts, total] = await Promise.all([administeredDomains(deps.db, user), listAccounts(deps.db, { limit: ROWS }), countAccounts(deps.db)]);
  return html`${domainsSection(t, domains, csrf)}${accountsSection(t, accounts, total, csrf)}`;
}

/** Runs a directory change; a DirectoryError (bad input, a refusal) becomes the page again with its message. */
async function directoryChange(problem: (reason: string) => string, change: () => Promise<AdminOutcome>): Promise<AdminOutcome> {
  try {
    return await change();
  } catch (e) {
    if (e instanceof DirectoryError) return { problem: problem(e.message), status: 400 };
    throw e;
  }
}

/** The account a form names, and whether it is the signed-in admin's own. */
function namedAccount(req: FastifyRequest): { address: string; own: boolean } {
  const { address } = normalizeAddress(field(req, "address"));
  return { address, own: address === req.user?.address };
}

const notYourself = (req: FastifyRequest): AdminOutcome => ({ problem: req.t.admin.notYourself, status: 409 });

export const directoryActions: Record<string, AdminAction> = {
  "domains/add": (deps, req) =>
    directoryChange(req.t.admin.domainFailed, async () => {
      const domain = await addDomain(deps.db, field(req, "name"), { mandatoryTls: field(req, "mandatory_tls") === "on", changedBy: `web:${req.user?.address ?? "?"}` });
      return { done: "domainAdded", subject: domain.name, section: "domains" };
    }),
  "accounts/add": (deps, req) =>
    directoryChange(req.t.admin.accountFailed, async () => {
      const a = req.t.admin;
      const role = parseRole(field(req, "role"));
      const password = generatePassword();
      const account = await addAccount(deps.db, field(req, "address"), password, role);
      const main = html`${notice("ok", a.accountAdded(account.address))}
        <dl class="figures"><dt>${a.address}</dt><dd>${account.address}</dd><dt>${a.role}</dt><dd>${a.roles[account.role]}</dd><dt>${a.password}</dt><dd><code class="secret">${password}</code></dd></dl>
        <p><a href="/admin#accounts">${a.back}</a></p>`;
      return { title: a.accountAddedTitle, main };
    }),
  "accounts/disable": (deps, req) =>
    directoryChange(req.t.admin.changeFailed, async () => {
      const { address, own } = namedAccount(req);
      if (own) return notYourself(req);
      await setAccount(deps.db, address, { disabled: true });
      return { done: "disabled", subject: address, section: "accounts" };
    }),
  "accounts/enable": (deps, req) =>
    directoryChange(req.t.admin.changeFailed, async () => {
      const { address } = namedAccount(req);
      await setAccount(deps.db, address, { disabled: false });
      return { done: "enabled", subject: address, section: "accounts" };
    }),
  "accounts/role": (deps, req) =>
    directoryChange(req.t.admin.changeFailed, async () => {
      const { address, own } = namedAccount(req);
      const role = parseRole(field(req, "role"));
      if (own && role !== "admin") return notYourself(req);
      await setAccount(deps.db, address, { role });
      return { done: "roleSet", subject: address, section: "accounts" };
    }),
};
