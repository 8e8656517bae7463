/**
 * The resolution the server answers with and the lint asks through
 * (RFC 1034 §4.3.2 across our zones): a chain that loops back to the query
 * name across zones writes no RRset twice (RFC 2181 §5), and resolvers give up.
 */
import { describe, expect, it } from 'vitest';
import { mergeSteps, resolve } from '../../src/query/resolve.js';
import { nameToText, parseName } from '../../src/util/name.js';
import { TYPE } from '../../src/wire/constants.js';
import { loadYaml } from '../helpers/zones.js';

const zone = (origin: string, records: string) => `zone: ${origin}\nnameservers: [ns1.example.net., ns2.example.net.]\nrecords:\n${records}`;

describe('resolve', () => {
  it('a loop a → b → c → a across three zones: each CNAME once, and servfail to the lint', () => {
    const r = loadYaml({
      'a.test.yaml': zone('a.test.', '  loop: {type: CNAME, value: loop.b.test.}\n'),
      'b.test.yaml': zone('b.test.', '  loop: {type: CNAME, value: loop.c.test.}\n'),
      'c.test.yaml': zone('c.test.', '  loop: {type: CNAME, value: loop.a.test.}\n'),
    });
    const res = resolve(r.catalog, parseName('loop.a.test.'), TYPE.A);
    expect(res.kind).toBe('servfail');
    expect(mergeSteps(res.steps).answer.map((p) => nameToText(p.owner))).toEqual(['loop.a.test.', 'loop.b.test.', 'loop.c.test.']);
  });

  it('a chain into another zone of ours ends at the data there, with the client\'s spelling of the first name', () => {
    const r = loadYaml({
      'a.test.yaml': zone('a.test.', '  www: {type: CNAME, value: web.b.test.}\n'),
      'b.test.yaml': 'zone: b.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  web: {ipv4: 192.0.2.80}\n',
    });
    const res = resolve(r.catalog, parseName('www.a.test.'), TYPE.A, parseName('WWW.a.TEST.'));
    expect(res.kind).toBe('success');
    expect(mergeSteps(res.steps).answer.map((p) => `${nameToText(p.owner)} ${p.rrset.type}`)).toEqual(['WWW.a.TEST. 5', 'web.b.test. 1']);
  });
});
