/** The directory: hosted domains, their policies, accounts and passwords. */
export {
  DirectoryError,
  addDomain,
  setDomain,
  domainChanges,
  listDomains,
  isHostedDomain,
  publishedMtaSts,
  parseMtaStsMode,
  addAccount,
  setPassword,
  setAccount,
  parseRole,
  listAccounts,
  countAccounts,
  lookupRecipient,
  normalizeAddress,
  normalizeDomain,
} from "./directory.ts";
export { grantDomainAdmin, revokeDomainAdmin, domainAdmins, administeredDomains, administeredDomain, administersAny } from "./domain-admins.ts";
export { parseLanguage, setAccountLanguage, type Language } from "./language.ts";
export { verifyPassword, dummyVerify, generatePassword, PASSWORD_MIN, PASSWORD_MAX } from "./password.ts";
export {
  grantLegacy,
  revokeLegacy,
  listLegacyGrants,
  accountGrantUntil,
  hostGranted,
  endLegacyGrants,
  parseLegacyProtocols,
  LEGACY_PROTOCOLS,
  type LegacyGrant,
  type LegacyProtocol,
} from "./legacy-grants.ts";
export { CLIENT_SERVICES, TLS_REPORT_LOCAL_PART, domainDnsRecords, mtaStsTxtRecord, zoneLine, zoneLines, type PublishedPorts } from "./dns-records.ts";
export { checkPublished, publishedMark } from "./dns-published.ts";
