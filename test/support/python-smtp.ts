/**
 * The start every Python smtplib script of the tests shares: a TLS context that accepts the test
 * server's self-signed certificate (`CTX`), `out` for what the script prints as JSON at its end, and
 * `line(reply)` for a reply as one string ("250 2.1.0 Ok").
 */
export const SMTPLIB_PRELUDE = `
import base64, json, os, smtplib, ssl
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
out = {}
def line(r):
    return (str(r[0]) + " " + r[1].decode()).rstrip()
`;
