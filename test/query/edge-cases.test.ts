/**
 * Edges where NSD was right and mailns was not (issue 18), and the Extended
 * DNS Errors (RFC 8914) that say why a query is refused or not supported,
 * as dig shows them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { startWithYaml, type Running, ONE_HOST_ZONE } from '../helpers/server.js';
import { udpExchange } from '../helpers/udp.js';
import { encodeQuery } from '../../src/wire/stub.js';
import { parseName } from '../../src/util/name.js';


/** The header rcode (the low four bits of octet 3) of the reply to raw octets over UDP. */
const rcodeOf = async (port: number, msg: Buffer): Promise<number> => (await udpExchange(port, msg))[3]! & 0xf;

/** An OPT record (root owner, UDP size 1232, no options). */
const OPT = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);

describe('refusals, unknown opcodes and misplaced records', () => {
  let s: Running;
  beforeAll(async () => { s = await startWithYaml({ 'example.test.yaml': ONE_HOST_ZONE }); });
  afterAll(async () => { await s.stop(); });

  it('a name in no zone we serve: REFUSED with EDE 20 (Not Authoritative)', async () => {
    const d = await dig(s.port, ['www.elsewhere.test', 'A']);
    expect(d.status).toBe('REFUSED');
    expect(d.raw).toMatch(/; EDE: 20 \(Not Authoritative\)/);
    // Without EDNS there is nowhere to put it: a plain REFUSED.
    const plain = await dig(s.port, ['+noedns', 'www.elsewhere.test', 'A']);
    expect([plain.status, plain.edns]).toEqual(['REFUSED', null]);
  });

  it('an opcode we do not implement: NOTIMP with EDE 21 (Not Supported), and only QR, the opcode and the rcode in the header', async () => {
    const d = await dig(s.port, ['+opcode=2', '+rd', '+cd', 'example.test', 'SOA']);
    expect(d.status).toBe('NOTIMP');
    expect(d.flags).toEqual(['qr']);
    expect(d.raw).toMatch(/opcode: STATUS/);
    expect(d.raw).toMatch(/; EDE: 21 \(Not Supported\)/);
  });

  it('QCLASS NONE is REFUSED, as NSD answers it (RFC 2136 §2.3 gives NONE a meaning in updates only)', async () => {
    const d = await dig(s.port, ['-c', 'CLASS254', 'www.example.test', 'A']);
    expect(d.status).toBe('REFUSED');
  });

  it('an OPT record in the authority section is FORMERR, as in the answer section (RFC 6891 §6.1.1)', async () => {
    const q = encodeQuery(0x1234, parseName('www.example.test.'), 1, 1);
    expect(await rcodeOf(s.port, q)).toBe(0);
    // NSCOUNT 1: the OPT after the question, in the authority section.
    const inAuthority = Buffer.concat([q, OPT]);
    inAuthority.writeUInt16BE(1, 8);
    expect(await rcodeOf(s.port, inAuthority)).toBe(1);
    // ARCOUNT 1: the same OPT where it belongs.
    const inAdditional = Buffer.concat([q, OPT]);
    inAdditional.writeUInt16BE(1, 10);
    expect(await rcodeOf(s.port, inAdditional)).toBe(0);
  });
});
