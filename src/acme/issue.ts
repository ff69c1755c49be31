/**
 * One certificate from an ACME CA (RFC 8555 §7.4): an order for the names, one challenge per
 * authorization in the preferred type the CA offers — HTTP-01 (§8.3) or TLS-ALPN-01 (RFC 8737) —
 * answered while the CA validates it, then a CSR for a new ECDSA P-256 key (the certificate's key
 * is new each time: a renewal never reuses a key) and the full chain the CA issues.
 *
 * acme-client speaks the protocol (JWS, nonces, polling with backoff); it takes ~400 ms to load, so
 * it is loaded here on first use, never by a worker or the CLI.
 */
import { Agent } from "node:https";
import { createSecureContext, rootCertificates } from "node:tls";
import type { Authorization, Client } from "acme-client";
import type { PemPair } from "../tls/index.ts";
import type { PendingChallenges } from "./challenges.ts";

export type ChallengeType = "tls-alpn-01" | "http-01";
type Challenge = Authorization["challenges"][number];
type AcmeModule = typeof import("acme-client");

interface AccountOptions {
  directoryUrl: string;
  accountKey: string;
  /** A contact address, or "" for none (RFC 8555 §7.3). */
  email: string;
  /** Trust anchors for the CA's HTTPS besides the system's roots ([acme] ca_file). */
  ca: readonly string[];
}

/** An account at the CA, ready to order: registered (or found, by its key) with the terms agreed. */
export interface AcmeAccount {
  readonly acme: AcmeModule;
  readonly client: Client;
}

/** The longest one request to the CA may take. */
const REQUEST_TIMEOUT_MS = 30_000;

export async function openAccount(o: AccountOptions): Promise<AcmeAccount> {
  const acme = await import("acme-client");
  // acme-client's one axios instance: its HTTPS trusts the CA's anchors, and no request hangs.
  acme.axios.defaults.httpsAgent = o.ca.length === 0 ? undefined : new Agent({ ca: [...rootCertificates, ...o.ca] });
  acme.axios.defaults.timeout = REQUEST_TIMEOUT_MS;
  // Polling a challenge or an order: 1 s, 2 s, 4 s … 30 s between looks, ten looks at most.
  const client = new acme.Client({ directoryUrl: o.directoryUrl, accountKey: o.accountKey, backoffAttempts: 10, backoffMin: 1000, backoffMax: 30_000 });
  // RFC 8555 §7.3: an existing account is found by its key (and its contact updated).
  await client.createAccount({ termsOfServiceAgreed: true, ...(o.email === "" ? {} : { contact: [`mailto:${o.email}`] }) });
  return { acme, client };
}

interface IssueOptions {
  names: readonly string[];
  preference: readonly ChallengeType[];
  challenges: PendingChallenges;
}

/** Orders, validates and fetches a certificate for `names`; returns its chain and key and the challenge type that validated it. */
export async function issueCertificate(account: AcmeAccount, o: IssueOptions): Promise<{ pair: PemPair; challenge: ChallengeType | null }> {
  const { acme, client } = account;
  const order = await client.createOrder({ identifiers: o.names.map((value) => ({ type: "dns", value })) });
  const authorizations = await client.getAuthorizations(order);
  // Every authorization is answered at once; all end (and are taken down) before an error is thrown.
  const results = await Promise.allSettled(authorizations.map((a) => authorize(account, a, o)));
  const failed = results.find((r) => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  const types = results.map((r) => (r.status === "fulfilled" ? r.value : null)).filter((t) => t !== null);
  const key = await acme.crypto.createPrivateEcdsaKey("P-256");
  const [, csr] = await acme.crypto.createCsr({ commonName: o.names[0], altNames: [...o.names] }, key);
  const finalized = await client.finalizeOrder(order, csr);
  const chain = await client.getCertificate(finalized);
  return { pair: { certPem: chain, keyPem: key.toString() }, challenge: types[0] ?? null };
}

/** Answers one authorization's challenge; null when the CA holds it valid already (RFC 8555 §7.1.4, reused). */
async function authorize(account: AcmeAccount, authz: Authorization, o: IssueOptions): Promise<ChallengeType | null> {
  if (authz.status === "valid") return null;
  const name = authz.identifier.value;
  const pick = o.preference.map((t) => authz.challenges.find((c) => c.type === t)).find((c): c is Challenge => c !== undefined);
  if (pick === undefined) throw new Error(`${name}: the CA offers none of the challenge types ${o.preference.join(", ")}`);
  const type = pick.type as ChallengeType;
  const keyAuthorization = await account.client.getChallengeKeyAuthorization(pick);
  const remove = await respond(account.acme, o.challenges, authz, pick, keyAuthorization);
  try {
    await account.client.completeChallenge(pick);
    await account.client.waitForValidStatus(pick);
  } catch (e) {
    throw new Error(`${name} (${type}): ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    remove();
  }
  return type;
}

/** Starts answering the challenge; returns the function that stops it. */
async function respond(acme: AcmeModule, challenges: PendingChallenges, authz: Authorization, challenge: Challenge, keyAuthorization: string): Promise<() => void> {
  // RFC 8555 §8.3: the key authorization, served at /.well-known/acme-challenge/TOKEN on port 80.
  if (challenge.type === "http-01") return challenges.addHttp(challenge.token, keyAuthorization);
  // RFC 8737 §3: a self-signed certificate for the name with the critical acmeIdentifier extension
  // holding SHA-256 of the key authorization.
  const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization, await acme.crypto.createPrivateEcdsaKey("P-256"));
  return challenges.addAlpn(authz.identifier.value, createSecureContext({ key, cert, minVersion: "TLSv1.2" }));
}
