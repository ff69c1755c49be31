/**
 * Raw DNS queries where node:dns falls short: the resolver's AD bit (node:dns does not expose it),
 * which DANE needs for the MX, address and TLSA records (RFC 7672 §2.2), and record types it does
 * not know (TLSA, CAA). A query with the DO bit (RFC 3225) and AD requested (RFC 6840 §5.7) to one
 * resolver, over UDP with a TCP retry when the answer is truncated (RFC 7766; RFC 1035 §4.2.2
 * framing). Whose AD counts is `trustsAd`'s to say.
 */
import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { getServers } from "node:dns";
import { connect as tcpConnect, isIP } from "node:net";
import * as dnsPacket from "dns-packet";
import { parseDnsServer, type DnsServerAddress } from "./server-address.ts";

/** The first of the system's resolvers (node:dns reads /etc/resolv.conf). */
export function systemDnsServer(): DnsServerAddress | null {
  const first = getServers()[0];
  return first === undefined ? null : parseDnsServer(first);
}

/**
 * Whether the AD bit of `server`'s answers can be taken as DNSSEC validation: only from a validating
 * resolver over a trusted path, which here means one on this machine (RFC 7672 §2.1.1; RFC 4035
 * §4.9.3, RFC 6698 §4.1). From anywhere else AD could have been set by anyone on the way.
 */
export function trustsAd(server: DnsServerAddress): boolean {
  return /^127\./.test(server.host) || server.host === "::1";
}

const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"];

function query(name: string, type: dnsPacket.RecordType, id: number): dnsPacket.Packet {
  return {
    type: "query",
    id,
    // RFC 6840 §5.7: AD in a query asks the resolver to say whether it validated the answer.
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA,
    questions: [{ type, name, class: "IN" }],
    // RFC 3225: the DO bit in the EDNS0 OPT record (RFC 6891) asks for DNSSEC.
    additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: dnsPacket.DNSSEC_OK, flag_do: true, options: [] }],
  };
}

interface DnsAnswer {
  /** "NOERROR", "NXDOMAIN", "SERVFAIL" … */
  rcode: string;
  /** The resolver set AD: it validated the answer with DNSSEC. */
  authenticated: boolean;
  answers: dnsPacket.Answer[];
}

/** Asks `server` for the `type` records of `name` (UDP, TCP when truncated); throws on a timeout or a network error. */
export async function queryDns(name: string, type: dnsPacket.RecordType, server: DnsServerAddress, timeoutMs: number): Promise<DnsAnswer> {
  const id = randomInt(65536);
  let reply = await udpExchange(dnsPacket.encode(query(name, type, id)), server, id, type, timeoutMs);
  if (reply.flag_tc) reply = await tcpExchange(dnsPacket.streamEncode(query(name, type, id)), server, id, type, timeoutMs);
  const rcode = RCODES[(reply.flags ?? 0) & 0xf] ?? `RCODE ${(reply.flags ?? 0) & 0xf}`;
  return { rcode, authenticated: reply.flag_ad, answers: reply.answers ?? [] };
}

function udpExchange(message: Buffer, server: DnsServerAddress, id: number, type: string, timeoutMs: number): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIP(server.host) === 6 ? "udp6" : "udp4");
    const done = (err: Error | null, packet?: dnsPacket.DecodedPacket): void => {
      clearTimeout(timer);
      socket.close();
      if (packet !== undefined) resolve(packet);
      else reject(err ?? new Error("no answer"));
    };
    const timer = setTimeout(() => done(new Error(`${type} query to ${server.host}:${server.port} timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.on("error", (err) => done(err));
    socket.on("message", (msg: Buffer) => {
      let packet: dnsPacket.DecodedPacket;
      try {
        packet = dnsPacket.decode(msg);
      } catch {
        return; // not a DNS message: keep waiting
      }
      if (packet.id === id && packet.type === "response") done(null, packet);
    });
    socket.send(message, server.port, server.host, (err) => {
      if (err !== null) done(err);
    });
  });
}

function tcpExchange(message: Buffer, server: DnsServerAddress, id: number, type: string, timeoutMs: number): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: server.host, port: server.port });
    let buffered = Buffer.alloc(0);
    const done = (err: Error | null, packet?: dnsPacket.DecodedPacket): void => {
      clearTimeout(timer);
      socket.destroy();
      if (packet !== undefined) resolve(packet);
      else reject(err ?? new Error("no answer"));
    };
    const timer = setTimeout(() => done(new Error(`${type} query over TCP to ${server.host}:${server.port} timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.on("error", (err) => done(err));
    socket.on("close", () => done(new Error(`${server.host}:${server.port} closed the TCP connection without an answer`)));
    socket.on("connect", () => socket.write(message));
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // RFC 1035 §4.2.2: a two-byte length before each message.
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
      try {
        const packet = dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        if (packet.id === id) done(null, packet);
        else done(new Error(`${type} answer over TCP with a wrong id`));
      } catch (e) {
        done(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

