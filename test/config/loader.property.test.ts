/**
 * Property: whatever the zone files hold, the loader returns findings and
 * never throws (STYLE.md habit 3). Every finding has a place (file, line ≥ 1,
 * col ≥ 1), a rule and a message, and a zone that is served has no error.
 *
 * Inputs (test/helpers/zonegen.ts): the shipped zones and fixtures mutated as
 * data (keys deleted, values replaced by random JSON, lists and scalars
 * swapped, deep nesting) and as text (lines cut, tabs, anchors and aliases,
 * huge numbers); zones shaped by the JSON Schema; raw bytes; and random names
 * in every field that holds one. The seed is fixed so a run is repeatable;
 * a failure prints the seed and path to replay it (MAILNS_FC_SEED overrides
 * the seed, MAILNS_FC_RUNS scales the number of cases).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import type { Problem } from '../../src/util/problem.js';
import { type Files, mutatedArb, namesArb, rawArb, schemaArb } from '../helpers/zonegen.js';

const SEED = Number(process.env.MAILNS_FC_SEED ?? 20261126);
const SCALE = Number(process.env.MAILNS_FC_RUNS ?? 1);

// One directory for every case, rewritten per case; the key files the seeds name are beside them.
const dir = mkdtempSync(join(tmpdir(), 'mailns-prop-'));
mkdirSync(join(dir, 'keys'));
cpSync('zones/keys', join(dir, 'keys'), { recursive: true });
cpSync('test/fixtures/lint/mailauth/keys', join(dir, 'keys'), { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lines of the value of the top-level `reverse:` key: findings of reverse zones live there. */
function reverseLines(text: string): [number, number] | undefined {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, logLevel: 'silent' });
  if (!isMap(doc.contents)) return undefined;
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'reverse');
  const range = (pair?.value as { range?: [number, number, number] } | undefined)?.range;
  return range ? [lc.linePos(range[0]).line, lc.linePos(range[2]).line] : undefined;
}

function bad(why: string, p?: Problem): never {
  throw new Error(`${why}${p ? `: ${JSON.stringify(p)}` : ''}`);
}

/** What the cases reached, so a run shows it tested more than the YAML parser. */
const reached = { cases: 0, served: 0, findings: 0 };

/** Loads the files and checks every promise the loader makes; throws (failing the property) when one is broken. */
function check(files: Files): void {
  for (const f of readdirSync(dir)) if (f.endsWith('.yaml')) rmSync(join(dir, f));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = loadZones([dir]);
  reached.cases++;
  if (r.zones.length) reached.served++;
  reached.findings += r.problems.length;
  for (const p of r.problems) {
    if (typeof p.file !== 'string' || p.file === '') bad('finding without a file', p);
    if (!Number.isInteger(p.line) || p.line < 1 || !Number.isInteger(p.col) || p.col < 1) bad('finding without a line and column', p);
    if (typeof p.rule !== 'string' || p.rule === '') bad('finding without a rule', p);
    if (typeof p.message !== 'string' || p.message === '') bad('finding without a message', p);
    if (!['error', 'warning', 'info'].includes(p.severity)) bad('finding without a severity', p);
  }
  // A forward zone that is served has no error in its file, but for those of
  // the file's reverse zones (their entries' lines, address conflicts of the
  // hosts they take PTRs from, and a reverse zone defined twice, reported at
  // 1:1), which hold back only their own zone.
  for (const z of r.zones) {
    if (z.reverse) continue;
    const name = z.file.slice(dir.length + 1);
    const errors = r.problems.filter((p) => p.severity === 'error' && p.file === z.file);
    const rev = errors.length && files[name] !== undefined ? reverseLines(files[name]!) : undefined;
    for (const p of errors) {
      if (rev && (p.rule === 'ptr-conflict' || p.rule === 'zone-duplicate' || (p.line >= rev[0] && p.line <= rev[1]))) continue;
      bad(`zone ${z.file} is served with an error`, p);
    }
  }
}

/** Runs one generator, and prints how many cases it ran, how long they took and what they reached. */
function run(name: string, arb: fc.Arbitrary<Files>, numRuns: number): void {
  const t0 = performance.now();
  Object.assign(reached, { cases: 0, served: 0, findings: 0 });
  const prop = fc.property(arb, (files) => {
    check(files);
  });
  fc.assert(prop, { numRuns: Math.max(1, Math.round(numRuns * SCALE)), seed: SEED });
  console.log(`loader property, ${name}: ${reached.cases} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s (seed ${SEED}); `
    + `${reached.served} served a zone, ${(reached.findings / Math.max(1, reached.cases)).toFixed(1)} findings a case`);
}

describe('the loader never throws, and every finding has a place', () => {
  // 10,500 cases in all, split by what they cost.
  it('mutated seed zones (data)', () => run('mutated zones', mutatedArb, 4000), 120_000);
  it('zones shaped by the JSON Schema', () => run('schema-shaped zones', schemaArb, 1500), 120_000);
  it('raw and broken YAML text', () => run('raw text', rawArb, 2500), 120_000);
  it('random names in every name field', () => run('names in every field', namesArb, 2500), 120_000);

  it('the helpers themselves: a clean seed loads without errors', () => {
    check({ 'ok.test.yaml': 'zone: ok.test.\nnameservers: [ns1.example.net., ns2.example.net.]\n' });
    expect(loadZones([dir]).zones).toHaveLength(1);
  });
});
