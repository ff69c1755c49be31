/**
 * A tiny authoritative DNS server for tests: UDP and TCP on 127.0.0.1 (one port the kernel picks),
 * answering from an in-memory zone built with dns-packet (RFC 1035 wire format).
 *
 * - an unknown name gets NXDOMAIN (RCODE 3, RFC 1035 §4.1.1), with an SOA in the authority section
 *   as RFC 2308 §2.1 describes;
 * - a known name without records of the asked type gets NODATA (NOERROR, no answers, SOA in the
 *   authority section, RFC 2308 §2.2);
 * - a name with `servfail: true` gets SERVFAIL (RCODE 2), one with `drop: true` no reply at all
 *   (the resolver times out);
 * - a null MX (RFC 7505) is `{ preference: 0, exchange: "." }`;
 * - an answer larger than the client's UDP payload size (512, or its EDNS0 OPT size, RFC 6891
 *   §6.2.5) is sent truncated (TC, RFC 1035 §4.2.1) so the client retries over TCP (RFC 7766);
 * - a name with `secure: true` is answered as a validating resolver answers a DNSSEC-signed name:
 *   with AD (RFC 4035 §3.2.3), but only to a query that asked for it with AD or DO (RFC 6840 §5.7),
 *   so node:dns's plain queries never see it. Its NODATA answers (no records of the asked type,
 *   an authenticated denial) carry AD too.
 *
 * Every answer has TTL 0 so no resolver cache outlives a `setZone`.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import * as dnsPacket from "dns-packet";

export interface ZoneEntry {
  A?: string[];
  AAAA?: string[];
  MX?: Array<{ preference: number; exchange: string }>;
  TXT?: Array<string | string[]>;
  CNAME?: string;
  /** RFC 2782; a target of "." says the service is not offered. */
  SRV?: Array<{ priority: number; weight: number; port: number; target: string }>;
  TLSA?: Array<{ usage: number; selector: number; matchingType: number; certificate: Buffer }>;
  CAA?: Array<{ flags: number; tag: "issue" | "issuewild" | "iodef"; value: string }>;
  /** Every query for this name gets SERVFAIL. */
  servfail?: boolean;
  /** Every query for this name goes unanswered. */
  drop?: boolean;
  /** DNSSEC-validated: answers to queries with AD or DO set carry AD. */
  secure?: boolean;
}

/** Names are case-insensitive; a trailing dot is ignored. */
export interface Zone {
  [name: string]: ZoneEntry;
}

export interface DnsQueryLog {
  name: string;
  type: string;
  transport: "udp" | "tcp";
}

export interface DnsServer {
  /** "127.0.0.1:PORT", the form `dns.Resolver#setServers` takes. */
  address: string;
  port: number;
  /** Replaces the zone for every later query. */
  setZone(zone: Zone): void;
  /** Every question received, in order. */
  queries: DnsQueryLog[];
  close(): Promise<void>;
}

const RCODE_NOERROR = 0;
const RCODE_FORMERR = 1;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_NOTIMP = 4;
const CLASSIC_UDP_SIZE = 512;
const SOA: dnsPacket.Answer = {
  type: "SOA",
  name: "test",
  ttl: 0,
  data: { mname: "ns.test", rname: "hostmaster.test", serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 0 },
};

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

function indexZone(zone: Zone): Map<string, ZoneEntry> {
  const map = new Map<string, ZoneEntry>();
  for (const [name, entry] of Object.entries(zone)) map.set(normalize(name), entry);
  return map;
}

/** The records of `type` at `name` ([] when the entry has none of that type). */
function recordsFor(entry: ZoneEntry, name: string, type: string): dnsPacket.Answer[] {
  const base = { name, ttl: 0 };
  switch (type) {
    case "CNAME":
      return entry.CNAME === undefined ? [] : [{ ...base, type: "CNAME", data: entry.CNAME }];
    case "A":
      return (entry.A ?? []).map((data) => ({ ...base, type: "A", data }));
    case "AAAA":
      return (entry.AAAA ?? []).map((data) => ({ ...base, type: "AAAA", data }));
    case "MX":
      return (entry.MX ?? []).map((data) => ({ ...base, type: "MX", data }));
    case "TXT":
      return (entry.TXT ?? []).map((data) => ({ ...base, type: "TXT", data }));
    case "SRV":
      return (entry.SRV ?? []).map((data) => ({ ...base, type: "SRV", data }));
    case "TLSA":
      return (entry.TLSA ?? []).map((data) => ({ ...base, type: "TLSA", data }));
    case "CAA":
      return (entry.CAA ?? []).map((data) => ({ ...base, type: "CAA", data }));
    default:
      return [];
  }
}

/** Follows CNAMEs inside the zone (RFC 1034 §4.3.2 step 3a), as an authoritative server does. */
function resolveChain(zone: Map<string, ZoneEntry>, entry: ZoneEntry, name: string, type: string): dnsPacket.Answer[] {
  const out: dnsPacket.Answer[] = [];
  let current: ZoneEntry | undefined = entry;
  let owner = name;
  for (let hops = 0; current !== undefined && hops < 8; hops++) {
    if (current.CNAME === undefined || type === "CNAME") return [...out, ...recordsFor(current, owner, type)];
    out.push({ name: owner, ttl: 0, type: "CNAME", data: current.CNAME });
    owner = current.CNAME;
    current = zone.get(normalize(owner));
  }
  return out;
}

interface Reply {
  packet: dnsPacket.Packet;
  ednsSize: number | null;
}

/** Builds the reply to one query, or null when it must go unanswered. */
function answer(zone: Map<string, ZoneEntry>, query: dnsPacket.DecodedPacket, log: (q: dnsPacket.Question) => void): Reply | null {
  const opt = (query.additionals ?? []).find((a): a is dnsPacket.OptAnswer => a.type === "OPT");
  const ednsSize = opt === undefined ? null : Math.max(CLASSIC_UDP_SIZE, opt.udpPayloadSize);
  const questions = query.questions ?? [];
  const rd = query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
  // RFC 6840 §5.7: AD only to a client that showed it understands it (AD or DO in the query).
  const wantsAd = query.flag_ad || opt?.flag_do === true;
  let ad = 0;
  const reply = (rcode: number, answers: dnsPacket.Answer[], authorities: dnsPacket.Answer[] = []): Reply => ({
    packet: {
      type: "response",
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | rd | ad | rcode,
      questions,
      answers,
      authorities,
      additionals: opt === undefined ? [] : [{ type: "OPT", name: ".", udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    },
    ednsSize,
  });
  const q = questions[0];
  if (questions.length !== 1 || q === undefined) return reply(RCODE_FORMERR, []);
  log(q);
  if (q.class !== undefined && q.class !== "IN") return reply(RCODE_NOTIMP, []);
  const entry = zone.get(normalize(q.name));
  if (entry === undefined) return reply(RCODE_NXDOMAIN, [], [SOA]);
  if (entry.drop === true) return null;
  if (entry.servfail === true) return reply(RCODE_SERVFAIL, []);
  if (entry.secure === true && wantsAd) ad = dnsPacket.AUTHENTIC_DATA;
  const answers = resolveChain(zone, entry, q.name, q.type);
  return answers.length === 0 ? reply(RCODE_NOERROR, [], [SOA]) : reply(RCODE_NOERROR, answers);
}

/** Encodes a UDP reply, truncating it (TC, no records) when it exceeds the client's payload size. */
function encodeUdp(reply: Reply): Buffer {
  const full = dnsPacket.encode(reply.packet);
  if (full.length <= (reply.ednsSize ?? CLASSIC_UDP_SIZE)) return full;
  const flags = (reply.packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE;
  return dnsPacket.encode({ ...reply.packet, flags, answers: [], authorities: [] });
}

/** Starts the server on 127.0.0.1, UDP and TCP on the same kernel-chosen port. */
export async function startDnsServer(initial: Zone): Promise<DnsServer> {
  let zone = indexZone(initial);
  const queries: DnsQueryLog[] = [];
  const respond = (msg: Buffer, transport: "udp" | "tcp"): Reply | null => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return null;
    }
    if (query.type !== "query") return null;
    return answer(zone, query, (q) => queries.push({ name: q.name, type: q.type, transport }));
  };

  const { udp, tcp, port } = await bindBoth();
  udp.on("error", () => undefined);
  udp.on("message", (msg: Buffer, rinfo: RemoteInfo) => {
    const reply = respond(msg, "udp");
    if (reply !== null) udp.send(encodeUdp(reply), rinfo.port, rinfo.address);
  });
  const sockets = new Set<Socket>();
  tcp.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // RFC 1035 §4.2.2: each message is prefixed with a two-byte length.
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const reply = respond(buffered.subarray(2, 2 + len), "tcp");
        buffered = buffered.subarray(2 + len);
        if (reply !== null) socket.write(dnsPacket.streamEncode(reply.packet));
      }
    });
  });

  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    setZone(z: Zone): void {
      zone = indexZone(z);
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((resolve) => udp.close(() => resolve())), new Promise<void>((resolve) => tcp.close(() => resolve()))]);
    },
  };
}

/** Binds UDP to a free port, then TCP to the same one; retries when TCP finds it taken. */
async function bindBoth(): Promise<{ udp: UdpSocket; tcp: Server; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, "127.0.0.1", () => {
        udp.off("error", reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const tcp = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once("error", () => resolve(false));
      tcp.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (ok) return { udp, tcp, port };
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
  throw new Error("startDnsServer: no port free for both UDP and TCP");
}
