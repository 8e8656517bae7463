/**
 * Self-test of the differential-test helpers: start NSD, query it through dnspython,
 * and check the canonical reply form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryAll, requireDnspython, type Query, type Reply } from './dnspy.js';
import { requireTool, startNsd, type NsdInstance } from './nsd.js';

const haveNsd = requireTool('nsd');
const haveCheckzone = requireTool('nsd-checkzone');
const havePy = requireDnspython();
const missing = [!haveNsd && 'nsd', !haveCheckzone && 'nsd-checkzone', !havePy && 'dnspython (/usr/bin/python3)'].filter(
  Boolean,
);
const suiteName = missing.length ? `NSD harness (skipped: missing ${missing.join(', ')})` : 'NSD harness';

const ZONE = `$ORIGIN example.test.
$TTL 3600
@        IN SOA   ns1 hostmaster 2024010101 7200 3600 1209600 300
@        IN NS    ns1
@        IN MX    10 mail
ns1      IN A     192.0.2.1
mail     IN A     192.0.2.25
www      IN A     192.0.2.80
www      IN AAAA  2001:db8::80
a        IN TXT   "Hello World" "Mixed Case"
alias    IN CNAME www
*.wild   IN A     192.0.2.99
sub      IN NS    ns.sub
ns.sub   IN A     192.0.2.53
`;

const SOA = 'example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300';
// Negative answers carry the SOA with TTL = min(SOA TTL, SOA MINIMUM) (RFC 2308).
const NEG_SOA = SOA.replace(' 3600 ', ' 300 ');
const APEX_NS = 'example.test. 3600 IN NS ns1.example.test.';
const NS1_A = 'ns1.example.test. 3600 IN A 192.0.2.1';
const EDNS0 = { version: 0, payload: 1232, do: false, options: [] };

describe.skipIf(missing.length > 0)(suiteName, () => {
  let nsd: NsdInstance;
  let server: { host: string; port: number };

  beforeAll(async () => {
    nsd = await startNsd([{ name: 'example.test.', text: ZONE }]);
    server = { host: '127.0.0.1', port: nsd.port };
  });

  afterAll(async () => {
    await nsd?.stop();
  });

  const cases: { q: Query; check: (r: Reply) => void }[] = [
    {
      q: { id: 'soa', name: 'example.test.', type: 'SOA' },
      check: (r) => {
        expect(r).toEqual({
          id: 'soa',
          opcode: 'QUERY',
          size: expect.any(Number),
          rcode: 'NOERROR',
          flags: ['AA', 'QR'],
          edns: EDNS0,
          question: ['example.test. IN SOA'],
          answer: [SOA],
          authority: [APEX_NS],
          additional: [NS1_A],
        });
      },
    },
    {
      q: { id: 'case', name: 'WwW.ExAmPlE.tEsT', type: 'A', rd: true },
      check: (r) => {
        expect(r.rcode).toBe('NOERROR');
        expect(r.flags).toEqual(['AA', 'QR', 'RD']);
        expect(r.question).toEqual(['WwW.ExAmPlE.tEsT. IN A']); // case kept as received
        expect(r.answer).toEqual(['www.example.test. 3600 IN A 192.0.2.80']); // owner lower-cased
      },
    },
    {
      q: { id: 'nxdomain', name: 'nope.example.test', type: 'A', tcp: true },
      check: (r) => {
        expect(r.rcode).toBe('NXDOMAIN');
        expect(r.flags).toEqual(['AA', 'QR']);
        expect(r.answer).toEqual([]);
        expect(r.authority).toEqual([NEG_SOA]);
        expect(r.additional).toEqual([]);
      },
    },
    {
      q: { id: 'nodata', name: 'www.example.test', type: 'TXT' },
      check: (r) => {
        expect(r.rcode).toBe('NOERROR');
        expect(r.flags).toEqual(['AA', 'QR']);
        expect(r.answer).toEqual([]);
        expect(r.authority).toEqual([NEG_SOA]);
      },
    },
    {
      q: { id: 'txt', name: 'a.example.test', type: 'TXT', tcp: true, edns: false },
      check: (r) => {
        expect(r.edns).toBeNull();
        expect(r.answer).toEqual(['a.example.test. 3600 IN TXT "Hello World" "Mixed Case"']); // TXT case kept
      },
    },
    {
      q: { id: 'cname', name: 'alias.example.test', type: 'A' },
      check: (r) => {
        expect(r.rcode).toBe('NOERROR');
        expect(r.answer).toEqual([
          'alias.example.test. 3600 IN CNAME www.example.test.',
          'www.example.test. 3600 IN A 192.0.2.80',
        ]);
      },
    },
    {
      q: { id: 'mx', name: 'example.test', type: 'MX', do: true },
      check: (r) => {
        expect(r.edns).toEqual({ ...EDNS0, do: true });
        expect(r.answer).toEqual(['example.test. 3600 IN MX 10 mail.example.test.']);
        expect(r.additional).toEqual(['mail.example.test. 3600 IN A 192.0.2.25', NS1_A]); // sorted
      },
    },
    {
      q: { id: 'wildcard', name: 'Foo.Wild.example.test', type: 'A' },
      check: (r) => {
        expect(r.flags).toEqual(['AA', 'QR']);
        expect(r.question).toEqual(['Foo.Wild.example.test. IN A']);
        expect(r.answer).toEqual(['foo.wild.example.test. 3600 IN A 192.0.2.99']);
      },
    },
    {
      q: { id: 'referral', name: 'host.sub.example.test', type: 'A', tcp: true },
      check: (r) => {
        expect(r.rcode).toBe('NOERROR');
        expect(r.flags).toEqual(['QR']); // no AA on a referral
        expect(r.answer).toEqual([]);
        expect(r.authority).toEqual(['sub.example.test. 3600 IN NS ns.sub.example.test.']);
        expect(r.additional).toEqual(['ns.sub.example.test. 3600 IN A 192.0.2.53']);
      },
    },
    {
      q: { id: 'refused', name: 'www.example.invalid', type: 'A' },
      check: (r) => {
        expect(r.rcode).toBe('REFUSED');
        expect(r.flags).toEqual(['QR']);
        expect(r.answer).toEqual([]);
        expect(r.edns?.options).toEqual(['EDE 20']); // Not Authoritative
      },
    },
    {
      q: { id: 'badvers', name: 'example.test', type: 'SOA', ednsVersion: 1 },
      check: (r) => {
        expect(r.rcode).toBe('BADVERS');
        expect(r.edns?.version).toBe(0);
        expect(r.answer).toEqual([]);
      },
    },
    {
      q: { id: 'notimp', name: 'example.test', type: 'SOA', opcode: '3' },
      check: (r) => {
        expect(r.error).toBeUndefined();
        expect(r.opcode).toBe('3');
        expect(r.rcode).toBe('NOTIMP');
      },
    },
  ];

  it('answers a batch over UDP and TCP in canonical form', async () => {
    const replies = await queryAll(
      server,
      cases.map((c) => c.q),
    );
    expect(replies).toHaveLength(cases.length);
    for (let i = 0; i < cases.length; i++) {
      const r = replies[i]!;
      expect(r.id, `reply ${i}`).toBe(cases[i]!.q.id);
      expect(r.error, `${r.id}: error`).toBeUndefined();
      cases[i]!.check(r);
    }
  });

  it('the same question gives the same canonical reply over UDP and TCP', async () => {
    const qs: Query[] = [
      { name: 'example.test', type: 'NS' },
      { name: 'example.test', type: 'NS', tcp: true },
    ];
    const [udp, tcp] = await queryAll(server, qs);
    expect(udp!.rcode).toBe('NOERROR');
    expect({ ...udp, size: 0 }).toEqual({ ...tcp, size: 0 });
  });

  it('reports a timeout when nothing answers', async () => {
    const [r] = await queryAll({ host: '127.0.0.1', port: 9 }, [{ id: 'dead', name: 'example.test', type: 'SOA' }]);
    expect(r!.id).toBe('dead');
    expect(['timeout', 'connection refused']).toContain(r!.error);
    expect(r!.rcode).toBe('');
  });

  it('startNsd rejects a broken zone with the nsd-checkzone output', async () => {
    await expect(
      startNsd([{ name: 'bad.test.', text: '$TTL 60\n@ IN NS ns1\n' }]),
    ).rejects.toThrow(/nsd-checkzone.*\n[\s\S]*no SOA/);
  });
});

describe('requireTool', () => {
  const name = 'mailns-no-such-tool-xyz';
  it('returns false for a missing tool, or throws naming it under MAILNS_REQUIRE_TOOLS=1', () => {
    const saved = process.env.MAILNS_REQUIRE_TOOLS;
    try {
      delete process.env.MAILNS_REQUIRE_TOOLS;
      expect(requireTool(name)).toBe(false);
      process.env.MAILNS_REQUIRE_TOOLS = '1';
      expect(() => requireTool(name)).toThrow(name);
      expect(requireTool('sh')).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.MAILNS_REQUIRE_TOOLS;
      else process.env.MAILNS_REQUIRE_TOOLS = saved;
    }
  });
});
