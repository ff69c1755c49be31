/** The DNS fixture at the wire level: response codes, authority records, truncation, TCP framing, the AD bit. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import * as dnsPacket from "dns-packet";
import { startDnsServer, type Zone } from "./dns-server.ts";

const ZONE: Zone = {
  "ok.test": { A: ["127.0.0.5"], MX: [{ preference: 0, exchange: "." }], TXT: Array.from({ length: 10 }, (_, i) => `${i}${"t".repeat(100)}`) },
  "fail.test": { servfail: true },
  "tlsa._25._tcp.ok.test": { TLSA: [{ usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 7) }] },
  "signed.test": { A: ["127.0.0.6"], secure: true },
};

/** RFC 3225: the DO bit, in an EDNS0 OPT record (RFC 6891). */
const DO: dnsPacket.Answer = { type: "OPT", name: ".", udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: dnsPacket.DNSSEC_OK, flag_do: true, options: [] };

async function udpQuery(port: number, name: string, type: dnsPacket.RecordType, flags = dnsPacket.RECURSION_DESIRED, additionals: dnsPacket.Answer[] = []): Promise<dnsPacket.DecodedPacket & { rcode?: string }> {
  const sock = createSocket("udp4");
  try {
    const reply = new Promise<Buffer>((resolve, reject) => {
      sock.once("message", resolve);
      sock.once("error", reject);
    });
    const query = dnsPacket.encode({ type: "query", id: 4242, flags, questions: [{ type, name }], additionals });
    sock.send(query, port, "127.0.0.1");
    return dnsPacket.decode(await reply);
  } finally {
    sock.close();
  }
}

async function tcpQuery(port: number, name: string, type: dnsPacket.RecordType): Promise<dnsPacket.Packet> {
  const sock = connect(port, "127.0.0.1");
  try {
    sock.write(dnsPacket.streamEncode({ type: "query", id: 7, questions: [{ type, name }] }));
    let buf = Buffer.alloc(0);
    for await (const chunk of sock) {
      buf = Buffer.concat([buf, chunk as Buffer]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) break;
    }
    return dnsPacket.streamDecode(buf);
  } finally {
    sock.destroy();
  }
}

test("the fixture answers NOERROR, NXDOMAIN, NODATA and SERVFAIL as a real server does", async () => {
  const s = await startDnsServer(ZONE);
  try {
    assert.match(s.address, /^127\.0\.0\.1:\d+$/);
    const a = await udpQuery(s.port, "OK.test", "A");
    assert.equal(a.id, 4242);
    assert.equal(a.rcode, "NOERROR");
    assert.ok(a.flag_aa && a.flag_rd);
    assert.deepEqual(a.answers?.map((r) => [r.name, r.type, r.type === "A" ? r.data : null]), [["OK.test", "A", "127.0.0.5"]]);

    const nx = await udpQuery(s.port, "missing.test", "A");
    assert.equal(nx.rcode, "NXDOMAIN");
    assert.deepEqual(nx.authorities?.map((r) => r.type), ["SOA"]);

    const nodata = await udpQuery(s.port, "ok.test", "AAAA");
    assert.equal(nodata.rcode, "NOERROR");
    assert.equal(nodata.answers?.length, 0);
    assert.deepEqual(nodata.authorities?.map((r) => r.type), ["SOA"]);

    assert.equal((await udpQuery(s.port, "fail.test", "MX")).rcode, "SERVFAIL");

    const mx = await udpQuery(s.port, "ok.test", "MX");
    assert.deepEqual(mx.answers?.map((r) => (r.type === "MX" ? r.data : null)), [{ preference: 0, exchange: "." }]);

    const tlsa = await udpQuery(s.port, "tlsa._25._tcp.ok.test", "TLSA");
    const t = tlsa.answers?.[0];
    assert.ok(t?.type === "TLSA");
    assert.deepEqual([t.data.usage, t.data.selector, t.data.matchingType, t.data.certificate], [3, 1, 1, Buffer.alloc(32, 7)]);
  } finally {
    await s.close();
  }
});

test("an answer over 512 bytes is truncated on UDP and whole on TCP", async () => {
  const s = await startDnsServer(ZONE);
  try {
    const udp = await udpQuery(s.port, "ok.test", "TXT");
    assert.ok(udp.flag_tc);
    assert.equal(udp.answers?.length, 0);
    const tcp = await tcpQuery(s.port, "ok.test", "TXT");
    assert.equal(tcp.answers?.length, 10);
    assert.deepEqual(
      s.queries.map((q) => q.transport),
      ["udp", "tcp"],
    );
  } finally {
    await s.close();
  }
});

test("a secure name's answers carry AD, only to a query that asked with AD or DO (RFC 6840 §5.7); other names' never", async () => {
  const s = await startDnsServer(ZONE);
  try {
    const rd = dnsPacket.RECURSION_DESIRED;
    const ad = async (name: string, type: dnsPacket.RecordType, flags: number, extra: dnsPacket.Answer[] = []): Promise<[string | undefined, boolean]> => {
      const r = await udpQuery(s.port, name, type, flags, extra);
      return [r.rcode, r.flag_ad];
    };
    assert.deepEqual(await ad("signed.test", "A", rd), ["NOERROR", false], "a plain query (node:dns) gets no AD");
    assert.deepEqual(await ad("signed.test", "A", rd | dnsPacket.AUTHENTIC_DATA), ["NOERROR", true]);
    assert.deepEqual(await ad("signed.test", "A", rd, [DO]), ["NOERROR", true]);
    assert.deepEqual(await ad("signed.test", "AAAA", rd, [DO]), ["NOERROR", true], "an authenticated denial (NODATA)");
    assert.deepEqual(await ad("ok.test", "A", rd | dnsPacket.AUTHENTIC_DATA, [DO]), ["NOERROR", false]);
    assert.deepEqual(await ad("missing.test", "A", rd | dnsPacket.AUTHENTIC_DATA, [DO]), ["NXDOMAIN", false]);
  } finally {
    await s.close();
  }
});
