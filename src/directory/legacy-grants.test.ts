import { test } from "node:test";
import assert from "node:assert/strict";
import { withTestAccount } from "../../test/support/store.ts";
import { accountGrantUntil, endLegacyGrants, grantLegacy, hostGranted, listLegacyGrants, parseLegacyProtocols, revokeLegacy } from "./legacy-grants.ts";

const DAY = 86_400_000;

test("protocols: some of imap, pop3, submission; anything else is a one-line error", () => {
  assert.deepEqual(parseLegacyProtocols("pop3, IMAP"), ["imap", "pop3"]);
  assert.throws(() => parseLegacyProtocols("imap,smtp"), /--protocols: .*"smtp"/);
});

test("an account's grant covers its protocols until its end; a host's grant covers the MX; revoke and the cut-off end them", async () => {
  await withTestAccount(async (store, ids) => {
    const now = 1_000 * DAY;
    await assert.rejects(grantLegacy(store.db, "a@example.test", { until: now, now }), /not in the future/);
    await assert.rejects(grantLegacy(store.db, "a@example.test", { until: now + 9 * DAY, now, cutoff: now + 5 * DAY }), /cut-off/);
    await assert.rejects(grantLegacy(store.db, "nobody@example.test", { until: now + DAY, now }), /no account/);
    await grantLegacy(store.db, "A@Example.test", { until: now + DAY, now, protocols: ["imap"] });
    assert.deepEqual(await accountGrantUntil(store.db, ids.account, "imap", now), { until: now + DAY });
    assert.equal(await accountGrantUntil(store.db, ids.account, "pop3", now), null);
    assert.deepEqual(await accountGrantUntil(store.db, ids.account, "imap", now + DAY), { ended: now + DAY });
    // A second grant replaces the first.
    await grantLegacy(store.db, "a@example.test", { until: now + 2 * DAY, now });
    assert.deepEqual(await accountGrantUntil(store.db, ids.account, "pop3", now + DAY), { until: now + 2 * DAY });

    await grantLegacy(store.db, "192.0.2.7", { until: now + DAY, now });
    await assert.rejects(grantLegacy(store.db, "192.0.2.8", { until: now + DAY, now, protocols: ["imap"] }), /host's grant/);
    assert.equal(await hostGranted(store.db, "192.0.2.7", now), true);
    assert.equal(await hostGranted(store.db, "192.0.2.7", now + DAY), false);
    assert.equal(await hostGranted(store.db, "192.0.2.9", now), false);

    const list = await listLegacyGrants(store.db);
    assert.deepEqual(list.map((g) => [g.address, g.host, g.protocols.join(",")]), [["a@example.test", null, "imap,pop3,submission"], [null, "192.0.2.7", "smtp"]]);
    assert.equal(await revokeLegacy(store.db, "192.0.2.7"), true);
    assert.equal(await revokeLegacy(store.db, "192.0.2.7"), false);
    assert.equal(await endLegacyGrants(store.db), 1);
    assert.deepEqual(await listLegacyGrants(store.db), []);
  });
});
