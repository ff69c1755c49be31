/**
 * Certificates from ACME (RFC 8555, RFC 8737): the orders for the host name and the hosted
 * domains, the account, the challenges this server answers, renewal, and the certificates kept in
 * the data directory for every serving process to load.
 */
export { AcmeManager, type AcmeSettings } from "./manager.ts";
export { certificateOrders } from "./orders.ts";
export { managedCertificates } from "./files.ts";
export { readOrderViews, type AcmeOrderView } from "./view.ts";
