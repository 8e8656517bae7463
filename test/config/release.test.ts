/**
 * A loaded file lets go of its parsed YAML (most of its memory) once the
 * load is done; positions asked for afterwards (a reload's lint of a zone
 * kept from before) come from the text, parsed again, and are the same.
 */
import { describe, expect, it } from 'vitest';
import { parseYaml, type Path } from '../../src/config/source.js';

const TEXT = [
  'zone: example.test.',           // 1
  'nameservers:',                  // 2
  '  - ns1.example.net.',          // 3
  '  - ns2.example.net.',          // 4
  'hosts:',                        // 5
  '  mail: {ipv4: 192.0.2.25}',    // 6
  '  ? www',                       // 7
  'mail:',                         // 8
  '  dmarc: {p: reject}',          // 9
  '',
].join('\n');

// Positions written by hand from the text above: [path, key?, line, col].
const ASKED: [Path, boolean, number, number][] = [
  [['zone'], false, 1, 7],
  [['zone'], true, 1, 1],
  [['nameservers', 1], false, 4, 5],
  [['hosts', 'mail'], true, 6, 3],
  [['hosts', 'mail', 'ipv4'], false, 6, 16],
  [['hosts', 'www'], false, 7, 5],           // an explicit key without a value: the key is the place
  [['hosts', 'nosuch'], false, 6, 3],        // a missing key: its mapping
  [['mail', 'dmarc', 'p'], false, 9, 14],
];

describe('YamlSource.release', () => {
  it('answers at() the same before and after the parsed document is let go', () => {
    const { source, problems } = parseYaml(TEXT, 'example.test.yaml');
    expect(problems).toEqual([]);
    const ask = () => ASKED.map(([path, key]) => { const a = source!.at(path, key); return [a.line, a.col]; });
    const expected = ASKED.map(([, , line, col]) => [line, col]);
    expect(ask()).toEqual(expected);
    source!.release();
    expect(ask()).toEqual(expected);
    source!.release();
    source!.release();
    expect(ask()).toEqual(expected);
    expect(source!.at(['zone']).file).toBe('example.test.yaml');
  });
});
