/**
 * NSD as a secondary of mailns: `request-xfr` signed with a TSIG key (and
 * `allow-notify` with it) pulls every example zone that can be transferred,
 * the reverse zones included, and then answers as mailns does for every
 * record the transfer carried, NXDOMAIN, NODATA, wildcard, referral and the
 * generic names of a /24 (PTRs, and their A records with forward: true).
 * Zones with generic names of a /48 cannot be transferred (a secondary
 * would answer NXDOMAIN for them): NSD never gets them, and mailns says why.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { nameToText } from '../../src/util/name.js';
import { typeToText } from '../../src/wire/constants.js';
import { keyring } from '../../src/wire/tsig.js';
import type { Zone } from '../../src/zone/zone.js';
import { queryAll, requireDnspython, type Query, type Reply } from '../helpers/dnspy.js';
import { requireTool, startNsdSecondary } from '../helpers/nsd.js';
import { serveLoaded, type Running } from '../helpers/server.js';

const haveNsd = requireTool('nsd');
const havePy = requireDnspython();

const KEY = { name: 'nsd-xfr.test.', algorithm: 'hmac-sha256', secret: Buffer.from('secondary key for the NSD test!!').toString('base64') };
const KEYS = keyring([{ name: ['nsd-xfr', 'test'], algorithm: 'hmac-sha256', secret: Buffer.from(KEY.secret, 'base64') }]);

/** Questions about a zone: every published RRset, and the answers that are not records. */
function questions(zone: Zone): Query[] {
  const apex = nameToText(zone.origin);
  const qs: Query[] = [];
  const seen = new Set<string>();
  for (const rs of zone.published()) {
    let name = nameToText(rs.owner);
    // A wildcard is asked through a name it covers.
    if (rs.owner[0] === '*') name = `wildcard-probe.${nameToText(rs.owner.slice(1))}`;
    const key = `${name} ${typeToText(rs.type)}`;
    if (!seen.has(key)) { seen.add(key); qs.push({ name, type: typeToText(rs.type) }); }
    // Below a cut: a referral.
    if (rs.type === 2 && rs.owner.length > zone.origin.length) qs.push({ name: `below.${name}`, type: 'A' });
  }
  qs.push({ name: `no-such-name.${apex}`, type: 'A' }, { name: apex, type: 'HINFO' });
  return qs;
}

/**
 * What must agree: rcode, AA, answer and authority; except that NSD puts the
 * apex NS beside a positive answer and mailns gives minimal responses (the
 * first deliberate difference of test/helpers/compare.ts).
 */
const view = (r: Reply) => ({ rcode: r.rcode, aa: r.flags.includes('AA'), answer: r.answer, authority: r.answer.length && r.rcode === 'NOERROR' ? [] : r.authority });

for (const [label, paths] of [
  ['the example zones (zones/) and a forward zone with /24 generic names', ['zones', 'test/fixtures/transfer/gen24.test.yaml']],
  ['the reverse fixture: a /24 with an RFC 2317 delegation, the classless child, an ip6.arpa /48 with a /56 delegated', ['test/fixtures/reverse/rev.test.yaml']],
] as const) {
  describe.skipIf(!haveNsd || !havePy)(`NSD as a secondary: ${label}`, () => {
    let mailns: Running;
    let nsd: Awaited<ReturnType<typeof startNsdSecondary>>;
    let transferable: Zone[];
    let refused: Zone[];
    beforeAll(async () => {
      const loaded = loadZones([...paths].map((p) => path.resolve(p)));
      mailns = await serveLoaded(loaded, { keys: KEYS, transfer: { allow: ['127.0.0.1'], keys: [KEY.name] } });
      const zones = loaded.zones.map((z) => z.zone);
      transferable = zones.filter((z) => !z.unpublishable().length);
      refused = zones.filter((z) => z.unpublishable().length);
      nsd = await startNsdSecondary(zones.map((z) => nameToText(z.origin)), mailns.port, KEY, transferable.map((z) => nameToText(z.origin)));
    }, 60_000);
    afterAll(async () => { await nsd?.stop(); await mailns?.stop(); });

    it('pulls every zone that can be transferred (the reverse zones too); the others are refused', () => {
      expect(transferable.length).toBeGreaterThanOrEqual(label.startsWith('the example') ? 4 : 3);
      if (label.startsWith('the example')) expect(refused.map((z) => nameToText(z.origin)).sort()).toEqual(['4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.', 'example.com.']);
      expect(nsd.log()).not.toMatch(/bad tsig|tsig error|BADSIG|BADKEY/i);
    });

    it('answers as mailns for every record, NXDOMAIN, NODATA, wildcard, referral and the generic names', async () => {
      const qs = transferable.flatMap(questions);
      if (label.startsWith('the example')) {
        // Generic names of the /24s: PTRs in the reverse zones, A records in the forward zone.
        qs.push({ name: '77.2.0.192.in-addr.arpa.', type: 'PTR' }, { name: '77.113.0.203.in-addr.arpa.', type: 'PTR' }, { name: 'host-203-0-113-77.dyn.gen24.test.', type: 'A' }, { name: 'host-203-0-113-25.dyn.gen24.test.', type: 'A' });
      }
      expect(qs.length).toBeGreaterThan(50);
      const [ours, theirs] = [await queryAll(mailns, qs), await queryAll({ host: '127.0.0.1', port: nsd.port }, qs)];
      const diffs = qs.flatMap((q, i) => (JSON.stringify(view(ours[i]!)) === JSON.stringify(view(theirs[i]!)) ? [] : [`${q.name} ${q.type}\n  mailns ${JSON.stringify(view(ours[i]!))}\n  nsd    ${JSON.stringify(view(theirs[i]!))}`]));
      expect(diffs).toEqual([]);
      const kinds = new Set(ours.map((r) => (r.rcode === 'NXDOMAIN' ? 'nxdomain' : !r.answer.length && r.authority.some((l) => / NS /.test(l)) ? 'referral' : !r.answer.length ? 'nodata' : 'answer')));
      expect([...kinds].sort()).toEqual(['answer', 'nodata', 'nxdomain', 'referral']);
    });
  });
}
