/**
 * The start every Python IMAP script of the webmail tests shares: imaplib over implicit TLS to the
 * test server (its self-signed certificate accepted), signed in as $USER with $PW on port $IMAPS. A
 * script goes on with `M`, importing what else it needs.
 */
export const IMAP_LOGIN = `
import imaplib, os, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx); M.login(e["USER"], e["PW"])
`;
