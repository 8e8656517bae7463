/**
 * A compression pointer into the 12-octet header, sent as raw bytes over
 * real UDP and TCP sockets to a running server: the answer is FORMERR
 * (RFC 1035 §4.1.4 pointers name earlier names; the header holds none),
 * read with the independent parser in test/helpers/fuzz.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C, R, T, encodeName, encodeQuery, encodeRR, parseMessage, tcpQuery, udpQuery } from '../helpers/fuzz.js';
import { startWithYaml, type Running } from '../helpers/server.js';

const ZONE = `zone: p.test.
nameservers: [ns.example., ns2.example.]
hosts:
  www: {ipv4: 192.0.2.80}
`;

/**
 * A header and the rest as given. ID 0x0141 reads as the label "A" when a
 * pointer leads to offset 0 (the flags octet after it ends the name), so a
 * decoder that followed it would make the question "www.A." of it.
 */
function packet(ns: number, ...rest: Buffer[]): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0x0141, 0);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(ns, 8);
  return Buffer.concat([h, ...rest]);
}
const QTAIL = Buffer.from([0, T.A, 0, C.IN]);

describe('compression pointers into the header are FORMERR over real sockets', () => {
  let srv: Running;
  beforeAll(async () => { srv = await startWithYaml({ 'p.test.yaml': ZONE }); });
  afterAll(async () => srv?.stop());

  const cases: [string, Buffer, string[] | undefined][] = [
    // QDCOUNT's first octet, 0, read as a label length would end the name at the root.
    ['qname is a pointer to offset 4', packet(0, Buffer.from([0xc0, 4]), QTAIL), undefined],
    ['qname "www" then a pointer to offset 0', packet(0, Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, 0]), QTAIL), undefined],
    ['authority owner a pointer to offset 11', packet(1, encodeName(['www', 'p', 'test']), QTAIL, encodeRR(Buffer.from([0xc0, 11]), T.A, C.IN, 0, Buffer.alloc(4))), ['www', 'p', 'test']],
  ];

  for (const [how, pkt, question] of cases) {
    for (const transport of ['udp', 'tcp'] as const) {
      it(`${transport}: ${how}`, async () => {
        const reply = parseMessage(await (transport === 'udp' ? udpQuery(srv.port, pkt) : tcpQuery(srv.port, pkt)));
        expect(reply).toMatchObject({ id: 0x0141, qr: true, rcode: R.FORMERR, answer: [] });
        // The question is echoed only when it could be read before the bad name.
        expect(reply.questions.map((q) => q.name)).toEqual(question ? [question] : []);
      });
    }
  }

  it('the same server still answers a well-formed query', async () => {
    const reply = parseMessage(await udpQuery(srv.port, encodeQuery({ id: 7, labels: ['www', 'p', 'test'], qtype: T.A }).buf));
    expect(reply).toMatchObject({ id: 7, rcode: R.NOERROR, aa: true });
    expect(reply.answer).toHaveLength(1);
  });
});
