/**
 * What `check` certifies is what the server serves. Every question the lint
 * asks while loading the example zones and the test fixtures is sent to the
 * running server over TCP by dnspython, and the reply must hold exactly the
 * rcode and records the lint saw: so a record a rule inspected, and an
 * absence a rule relied on, are what resolvers get.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { mergeSteps, type Resolution } from '../../src/query/resolve.js';
import type { Outcome, Placed } from '../../src/query/lookup.js';
import { nameKey, nameToText } from '../../src/util/name.js';
import { classToText, TYPE, typeToText } from '../../src/wire/constants.js';
import { rdataToText } from '../../src/wire/rdata.js';
import { normalizeAll, queryAll, requireDnspython, type Query } from '../helpers/dnspy.js';
import { serveLoaded, type Running } from '../helpers/server.js';

const SETS = [
  ['zones'],
  ['zones', 'test/fixtures/mail/example.net.yaml'],
  ['test/fixtures/served'],
  ['test/fixtures/lint/mailauth'],
  ['test/fixtures/lint/mistakes'],
  ['test/fixtures/lint/spf/include-10'],
  ['test/fixtures/lint/spf/include-11'],
  ['test/fixtures/reverse/rev.test.yaml'],
  ['test/fixtures/reverse/generic.test.yaml'],
  ['test/fixtures/conformance/diff.test.yaml'],
];

const lines = (placed: readonly Placed[]) => placed.flatMap((p) => p.rrset.rdatas.map((rd) =>
  `${nameToText(p.owner)} ${p.rrset.ttl} ${classToText(p.rrset.klass)} ${typeToText(p.rrset.type)} ${rdataToText(p.rrset.type, rd.wire)}`));

const RCODE: Record<Outcome['kind'] | 'refused', string> = { refused: 'REFUSED', nxdomain: 'NXDOMAIN', nodata: 'NOERROR', success: 'NOERROR', referral: 'NOERROR' };



describe.skipIf(!requireDnspython())('every question the lint asks gets the same answer from the server', () => {
  for (const set of SETS) {
    describe(set.join(' + '), () => {
      const asked = new Map<string, Resolution>();
      let srv: Running;
      let servedZones: Set<string>;
      beforeAll(async () => {
        const loaded = loadZones(set, { observe: (r) => { asked.set(`${nameKey(r.qname)} ${r.qtype}`, r); } });
        servedZones = new Set(loaded.zones.map((z) => nameKey(z.zone.origin)));
        srv = await serveLoaded(loaded);
      });
      afterAll(async () => srv?.stop());

      it('loads without errors (but for the fixtures made to fail): every zone is served and compared', () => {
        const errors = srv.loaded.problems.filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line} ${p.rule} ${p.message}`);
        if (set[0] === 'test/fixtures/lint/mistakes' || set[0] === 'test/fixtures/lint/spf/include-11') expect(errors.length).toBeGreaterThan(0);
        else expect(errors).toEqual([]);
      });

      it('same rcode, answer, authority and additional for each question', async () => {
        // Questions answered from a zone that has errors are not served (its last good copy would be): not compared.
        const compared = [...asked.values()].filter((r) => r.steps.every((st) => servedZones.has(nameKey(st.zone.origin))));
        const queries: Query[] = compared.map((r) => ({ name: nameToText(r.qname), type: typeToText(r.qtype), tcp: true }));
        const replies = await queryAll(srv, queries);
        // The reply is the whole chain across our zones (RFC 1034 §4.3.2 step 3a), as the lint followed it.
        const merged = compared.map((r) => (r.steps.length ? mergeSteps(r.steps) : undefined));
        const expected = await normalizeAll(merged.flatMap((o) => [lines(o?.answer ?? []), lines(o?.authority ?? []), lines(o?.additional ?? [])]));
        const got = replies.map((reply, i) => ({ q: `${queries[i]!.name} ${queries[i]!.type}`, rcode: reply.rcode, answer: reply.answer, authority: reply.authority, additional: reply.additional }));
        const want = compared.map((r, i) => ({ q: `${queries[i]!.name} ${queries[i]!.type}`, rcode: RCODE[merged[i]?.kind ?? 'refused'], answer: expected[3 * i]!, authority: expected[3 * i + 1]!, additional: expected[3 * i + 2]! }));
        expect(got).toEqual(want);
        // The lint asked something of every set that serves a zone (a test that compares nothing proves nothing).
        if (servedZones.size) expect(compared.filter((r) => r.kind === 'success').length).toBeGreaterThan(0);
        if (set[0] === 'test/fixtures/served') {
          // The fixture exercises each way a chain goes: across zones, into a delegated child we serve, a loop, a wildcard.
          expect(compared.filter((r) => r.steps.length > 1).map((r) => nameToText(r.qname))).toEqual(expect.arrayContaining(['www.case.test.', '_spf.case.test.']));
          expect(compared.some((r) => r.kind === 'servfail')).toBe(true);
          expect(compared.some((r) => r.outcome?.wildcard)).toBe(true);
        }
      });
    });
  }

  // Independent of the lint's questions: every record `mailns export` prints for a served
  // zone (zone.walk(), the export's own source) must come back when asked for by its name.
  for (const set of SETS) {
    it(`every exported record is served: ${set.join(' + ')}`, async () => {
      const loaded = loadZones(set);
      const srv = await serveLoaded(loaded);
      try {
        const want: { q: Query; lines: string[]; section: 'answer' | 'authority' | 'additional' }[] = [];
        for (const { zone } of loaded.zones) {
          for (const rs of zone.walk()) {
            const placed = [{ owner: rs.owner, rrset: rs }];
            const q: Query = { name: nameToText(rs.owner), type: typeToText(rs.type), tcp: true };
            if (!zone.delegated(rs.owner)) want.push({ q, lines: lines(placed), section: 'answer' });
            // The NS of a delegation comes in the referral, unless we serve the child too (then the child answers).
            else if (rs.type === TYPE.NS && zone.node(rs.owner)?.cut && loaded.catalog.findZone(rs.owner) === zone) want.push({ q, lines: lines(placed), section: 'authority' });
            // Glue and occluded data (its own warning) are not answers; the referral carries the glue.
          }
        }
        const replies = await queryAll(srv, want.map((w) => w.q));
        const expected = await normalizeAll(want.map((w) => w.lines));
        const missing = want.flatMap((w, i) => expected[i]!.filter((l) => !replies[i]![w.section].includes(l)).map((l) => `${w.q.name} ${w.q.type}: ${l} not in the ${w.section} (${replies[i]!.rcode})`));
        expect(missing).toEqual([]);
        if (loaded.zones.length) expect(want.length).toBeGreaterThan(0);
      } finally {
        await srv.stop();
      }
    });
  }
});
