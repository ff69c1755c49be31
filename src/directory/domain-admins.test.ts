import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addAccount, addDomain, domainAdmins, grantDomainAdmin, revokeDomainAdmin, setAccount } from "./index.ts";
import { openTestStore } from "../../test/support/postgres.ts";

test("a domain's administrators: its own domain-admins, the accounts given it (also a relay domain), the admins; disabled ones are not", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-domadm-"));
  const store = await openTestStore(dir);
  try {
    await addDomain(store.db, "example.test");
    await addDomain(store.db, "other.test");
    await store.db.insertInto("relay_domains").values({ domain: "customer.test", next_hop: "[127.0.0.1]:2525", level: null, local_parts: null, created_at: 0 }).execute();
    await addAccount(store.db, "da@example.test", "password1", "domain-admin");
    await addAccount(store.db, "user@example.test", "password1");
    await addAccount(store.db, "boss@other.test", "password1", "admin");
    await addAccount(store.db, "gw@other.test", "password1");

    const list = async (d: string): Promise<string[]> => (await domainAdmins(store.db, d)).map((a) => `${a.address} ${a.role} ${a.source}`);
    assert.deepEqual(await list("example.test"), ["boss@other.test admin admin", "da@example.test domain-admin own domain"]);

    await grantDomainAdmin(store.db, "Customer.TEST", "GW@other.test");
    await grantDomainAdmin(store.db, "customer.test", "gw@other.test");
    assert.deepEqual(await list("customer.test"), ["boss@other.test admin admin", "gw@other.test user granted"]);
    await assert.rejects(grantDomainAdmin(store.db, "nowhere.test", "gw@other.test"), /no such domain: nowhere\.test \(neither hosted nor a relay domain\)/);
    await assert.rejects(grantDomainAdmin(store.db, "customer.test", "nobody@other.test"), /no such account: nobody@other\.test/);

    await setAccount(store.db, "gw@other.test", { disabled: true });
    assert.deepEqual(await list("customer.test"), ["boss@other.test admin admin"]);
    await setAccount(store.db, "gw@other.test", { disabled: false });
    assert.equal(await revokeDomainAdmin(store.db, "customer.test", "gw@other.test"), true);
    assert.equal(await revokeDomainAdmin(store.db, "customer.test", "gw@other.test"), false);
    assert.equal(await revokeDomainAdmin(store.db, "example.test", "da@example.test"), false, "an own domain is not a grant");
    assert.deepEqual(await list("customer.test"), ["boss@other.test admin admin"]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
