/** The client side of the codec: the query it writes, and hostile responses read as values. */
import { describe, expect, it } from 'vitest';
import { CLASS, TYPE } from '../../src/wire/constants.js';
import { decodeQuery } from '../../src/wire/decode.js';
import { decodeResponse, encodeQuery, soaSerial } from '../../src/wire/stub.js';

describe('encodeQuery / decodeResponse', () => {
  const q = encodeQuery(0x1234, ['Example', 'com'], TYPE.SOA, CLASS.IN);

  it('writes a query our own hardened decoder accepts, RD clear', () => {
    const d = decodeQuery(q);
    expect(d).toMatchObject({ kind: 'query', query: { id: 0x1234, qname: ['Example', 'com'], qtype: TYPE.SOA, qclass: CLASS.IN, opcode: 0 } });
    expect(q.readUInt16BE(2)).toBe(0);
  });

  it('reads a response with a compressed SOA and its serial', () => {
    const head = Buffer.from(q);
    head.writeUInt16BE(0x8400, 2); // QR AA
    head.writeUInt16BE(1, 6);
    const rdata = Buffer.concat([Buffer.from([3, 0x6e, 0x73, 0x31, 0xc0, 12]), Buffer.from([0xc0, 12]), Buffer.from([0, 0, 0, 42]), Buffer.alloc(16)]);
    const rr = Buffer.concat([Buffer.from([0xc0, 12, 0, 6, 0, 1, 0, 0, 0x0e, 0x10]), Buffer.from([0, rdata.length]), rdata]);
    const msg = Buffer.concat([head, rr]);
    const d = decodeResponse(msg);
    expect(d.kind).toBe('response');
    if (d.kind !== 'response') return;
    expect(d.response).toMatchObject({ id: 0x1234, aa: true, tc: false, rcode: 0, question: { qname: ['Example', 'com'] } });
    expect(d.response.answer).toMatchObject([{ owner: ['Example', 'com'], type: TYPE.SOA, ttl: 3600 }]);
    expect(soaSerial(msg, d.response.answer[0]!)).toBe(42);
    // SOA RDATA cut short: no serial, no exception.
    expect(soaSerial(msg, { ...d.response.answer[0]!, rdEnd: d.response.answer[0]!.rdEnd - 4 })).toBeUndefined();
  });

  it('refuses a query, a short message, a pointer loop and an RR past the end, without throwing', () => {
    expect(decodeResponse(q)).toMatchObject({ kind: 'malformed', reason: /QR clear/ });
    expect(decodeResponse(Buffer.alloc(5))).toMatchObject({ kind: 'malformed' });
    const loop = Buffer.from(q);
    loop.writeUInt16BE(0x8000, 2);
    loop[12] = 0xc0; loop[13] = 12;
    expect(decodeResponse(loop)).toMatchObject({ kind: 'malformed', reason: /backwards/ });
    const past = Buffer.from(q);
    past.writeUInt16BE(0x8000, 2);
    past.writeUInt16BE(1, 6);
    expect(decodeResponse(Buffer.concat([past, Buffer.from([0xc0, 12, 0, 6])]))).toMatchObject({ kind: 'malformed' });
  });
});
