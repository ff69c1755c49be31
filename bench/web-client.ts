/**
 * A browser's requests to the web console, for the web benchmarks: one HTTPS request (keep-alive
 * agent or a fresh connection, a Cookie header, a form posted), the cookie jar, and a sign-in as
 * a browser makes it (the form and its CSRF cookie, then the POST).
 */
import { request, type Agent } from "node:https";

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function fetchOnce(port: number, path: string, opts: { agent: Agent | false; cookie?: string; form?: Record<string, string>; localAddress?: string }): Promise<Response> {
  const body = opts.form === undefined ? undefined : new URLSearchParams(opts.form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: body === undefined ? "GET" : "POST",
        agent: opts.agent,
        rejectUnauthorized: false,
        ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}),
        headers: {
          "user-agent": "sealpost-bench",
          ...(opts.cookie !== undefined ? { cookie: opts.cookie } : {}),
          ...(body !== undefined ? { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** name=value of each Set-Cookie, joined for a Cookie header. */
function cookiesOf(r: Response, jar: Map<string, string>): string {
  const set = r.headers["set-cookie"];
  for (const c of Array.isArray(set) ? set : set !== undefined ? [set] : []) {
    const [pair = ""] = c.split(";");
    const eq = pair.indexOf("=");
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
}

/** Signs `user` in as a browser does. Returns the Cookie header of the session. */
export async function signIn(port: number, user: string, password: string, localAddress?: string): Promise<string> {
  const jar = new Map<string, string>();
  const from = localAddress !== undefined ? { localAddress } : {};
  const form = await fetchOnce(port, "/login", { agent: false, ...from });
  const cookie = cookiesOf(form, jar);
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? "";
  const r = await fetchOnce(port, "/login", { agent: false, cookie, form: { address: user, password, _csrf: token }, ...from });
  if (r.status !== 303) throw new Error(`sign-in answered ${r.status}: ${r.body.slice(0, 300)}`);
  return cookiesOf(r, jar);
}
