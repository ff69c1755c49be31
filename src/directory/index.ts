/** The directory: hosted domains, their policies, accounts and passwords. */
export {
  DirectoryError,
  addDomain,
  setDomain,
  getDomain,
  listDomains,
  addAccount,
  setPassword,
  listAccounts,
  lookupRecipient,
  normalizeAddress,
  normalizeDomain,
  type Domain,
  type Account,
  type RecipientLookup,
} from "./directory.ts";
export { hashPassword, verifyPassword, dummyVerify, generatePassword } from "./password.ts";
