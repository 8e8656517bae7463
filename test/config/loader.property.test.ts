/**
 * Property: whatever the zone files hold, the loader returns findings and
 * never throws (STYLE.md habit 3). Every finding has a place (file, line ≥ 1,
 * col ≥ 1), a rule and a message, and a zone that is served has no error.
 * The place is the finding's own: 1:1 only for what is about the whole file
 * (it cannot be read, its zone is defined twice, the YAML parser's own error
 * at the start); and no input reaches the build of a zone the loader should
 * have refused (a zone-build finding says "bug in mailns").
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

/**
 * What is really at 1:1 of `text`: whether one of the YAML parser's own
 * errors or warnings is, and the first top-level key if it starts there.
 */
function atStart(text: string): { parser: boolean; key?: string } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false, logLevel: 'silent' });
  const start = (offset: number) => { const p = lc.linePos(offset); return p.line === 1 && p.col === 1; };
  const first = (isMap(doc.contents) ? doc.contents.items[0]?.key : undefined) as { range?: [number, number, number] } | null | undefined;
  return {
    parser: [...doc.errors, ...doc.warnings].some((e) => start(e.pos[0])),
    // As the data has it (a null key is "", a collection key its YAML text), so as findings quote it.
    key: first?.range && start(first.range[0]) ? firstKey(doc) : undefined,
  };
}

function firstKey(doc: ReturnType<typeof parseDocument>): string | undefined {
  try { return Object.keys((doc.toJS({ maxAliasCount: 100 }) ?? {}) as object)[0]; } catch { return undefined; }
}

/**
 * Findings about the file as a whole, which have no better place than 1:1:
 * it could not be read, or it defines a zone another file defines too, or
 * it is not a mapping at all, or its top level lacks a key (nameservers:,
 * which the schema and the lint's ns-count both report).
 */
function wholeFile(p: Problem): boolean {
  return p.rule === 'read' || p.rule === 'zone-duplicate'
    || (p.rule === 'schema' && (p.message.startsWith('top level ') || p.message.startsWith('a zone file is a YAML mapping')))
    || (p.rule === 'ns-count' && / has no nameserver;/.test(p.message));
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
    // The loader refuses what it cannot build before the build: a zone-build finding is a bug in mailns.
    if (p.rule === 'zone-build') bad('a zone-build finding ("a bug in mailns")', p);
    // 1:1 is a place only for what is about the whole file, or what is really
    // there: the parser's own error, the first key (whose finding names it), an alias.
    if (p.line === 1 && p.col === 1 && !wholeFile(p)) {
      const text = files[p.file.slice(dir.length + 1)];
      const there = text === undefined ? { parser: false } : atStart(text);
      const alias = /^alias \*([\s\S]+) names no anchor/.exec(p.message)?.[1];
      const ok = (p.rule.startsWith('yaml-') && there.parser) || (there.key !== undefined && p.message.includes(`"${there.key}"`))
        || (p.rule === 'yaml-alias' && alias !== undefined && text!.startsWith(`*${alias}`));
      if (!ok) bad('a finding at 1:1 that is not about the whole file, nor about what is there', p);
    }
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
      // An address two hosts claim is the conflict of the reverse zone that would hold it, wherever that is defined.
      if (p.rule === 'ptr-conflict') continue;
      if (rev && (p.rule === 'zone-duplicate' || (p.line >= rev[0] && p.line <= rev[1]))) continue;
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
