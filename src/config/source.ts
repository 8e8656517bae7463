/**
 * Reading one YAML file with its source positions (YAML 1.2, duplicate keys
 * are errors). Everything after this point asks `at(path)` for file:line:col.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, Pair, parseDocument, visit, YAMLMap, type Alias, type CST, type Document, type DocumentOptions, type Node, type ParseOptions, type SchemaOptions } from 'yaml';
import { type At, type Problem, problem } from '../util/problem.js';
import { offsetAt, placeTree, type PlaceTree } from './positions.js';

export type Path = readonly (string | number)[];

export interface YamlSource {
  file: string;
  /** The file's text, as read. */
  text: string;
  data: unknown;
  /** Position of the value at `path` (or of its key, for "unknown key" errors). */
  at(path: Path, key?: boolean): At;
  /**
   * Lets go of the places of the file's nodes (src/config/positions.ts),
   * much of the memory a loaded file holds; `at` parses the kept text again
   * if it is asked later. The loader calls it once a file's records are made.
   */
  release(): void;
}

/** A zone file larger than this is a mistake (a log, an image), not a zone: 64 MiB is millions of hosts. */
export const MAX_ZONE_FILE = 64 * 2 ** 20;

/** A file refused for what it is (a FIFO, too large), not for an error of the system. */
class Refused extends Error {}

/** What a YAML file is, for the finding that refuses one that is not a regular file. */
export interface YamlKind { noun: string; hint: string }

const ZONE_FILE: YamlKind = { noun: 'the zone file', hint: 'a zone file is a regular file of YAML text: remove this one from the zone directory, or point it at the real file' };

export function readYaml(file: string, displayName = file, kind: YamlKind = ZONE_FILE): { source?: YamlSource; problems: Problem[] } {
  return sourced(readParsed(file, displayName, kind));
}

/** A file read and parsed (here or on a worker thread) as the loader takes it: its YamlSource, if it parsed, and its findings. */
export function sourced(r: ReadResult): { source?: YamlSource; problems: Problem[] } {
  return { ...(r.parsed ? { source: sourceOf(r.parsed) } : {}), problems: r.problems };
}

/** A file read and parsed, as plain data (what a worker thread hands back, src/config/parse-pool.ts). */
export interface ReadResult { parsed?: ParsedYaml; problems: Problem[] }

/** readYaml's work, to plain data: the text, its data, where each node is. */
export function readParsed(file: string, displayName = file, kind: YamlKind = ZONE_FILE): ReadResult {
  const text = readRegularFile(file, MAX_ZONE_FILE);
  if (text instanceof Refused) {
    return { problems: [problem({ file: displayName, line: 1, col: 1 }, 'read', `${kind.noun} is ${text.message}`, kind.hint)] };
  }
  if (text instanceof Error) return { problems: [problem({ file: displayName, line: 1, col: 1 }, 'read', text.message)] };
  return parseText(text, displayName);
}

/** Why readRegularFile gave no text, in a finding's words: `PATH: no such file`, `PATH is a FIFO, not a regular file`. */
export function readFailure(path: string, e: Error): string {
  if (e instanceof Refused) return `${path} is ${e.message}`;
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? `${path}: no such file` : code === 'EACCES' ? `${path}: permission denied` : e.message;
}

/** What a file that is not a regular file is, for the finding ("a FIFO"). */
function kind(st: Stats): string {
  return st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device'
    : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'a special file';
}

/** A size as people read it: MiB from 1 MiB up (rounded up, so it is never shown at or under a limit it is over). */
function mib(octets: number): string {
  if (octets < 2 ** 20) return `${octets} octets`;
  const m = Math.ceil((octets / 2 ** 20) * 10) / 10;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} MiB`;
}

/**
 * The text of a regular file of at most `limit` octets, or why not. A FIFO
 * would block the load until something writes to it, a device such as
 * /dev/zero would never end it: the path is stat'ed before it is opened (so
 * a device is never opened at all), opened non-blocking (opening a FIFO
 * waits for a writer otherwise) and without becoming our terminal, and the
 * descriptor is checked again, since the path may change in between. At most
 * `limit` + 1 octets are read, whatever the size said (a file may grow).
 */
export function readRegularFile(path: string, limit: number): string | Error {
  let fd: number | undefined;
  try {
    const refuse = (st: Stats): Error | undefined => (!st.isFile() ? new Refused(`${kind(st)}, not a regular file`)
      : st.size > limit ? new Refused(`${mib(st.size)}, over the ${mib(limit)} limit`) : undefined);
    const before = refuse(statSync(path));
    if (before) return before;
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const st = fstatSync(fd);
    const now = refuse(st);
    if (now) return now;
    let buf = Buffer.allocUnsafe(st.size + 1);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (len > limit) return new Refused(`more than ${mib(limit)}, over the ${mib(limit)} limit`);
        const next = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(2 * len, 1 << 16)));
        buf.copy(next, 0, 0, len);
        buf = next;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    if (len > limit) return new Refused(`more than ${mib(limit)}, over the ${mib(limit)} limit`);
    return buf.toString('utf8', 0, len);
  } catch (e) {
    return e as Error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function parseYaml(text: string, file: string): { source?: YamlSource; problems: Problem[] } {
  return sourced(parseText(text, file));
}

/** A parsed file as plain data: its text, the data, where each node starts, and where each line does. */
export interface ParsedYaml {
  file: string;
  text: string;
  data: unknown;
  places: PlaceTree;
  lineStarts: number[];
}

// logLevel 'error': warnings come back as findings below, not on stderr.
// uniqueKeys: the library compares each key with every key before it
// (quadratic: 200,000 hosts took minutes); duplicateKeys() does it in one pass.
const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = { uniqueKeys: false, prettyErrors: false, logLevel: 'error' };

/** The YamlSource of a parsed file: at() walks its places (after release(), those of the text parsed again). */
export function sourceOf(p: ParsedYaml): YamlSource {
  const { file, text, data } = p;
  let places: PlaceTree | undefined = p.places;
  // The library's own line arithmetic, over the line starts the parse found.
  const lc = new LineCounter();
  lc.lineStarts = p.lineStarts;
  const at = (path: Path, key = false): At => {
    places ??= placeTree(parseDocument(text, OPTIONS));
    const { line, col } = lc.linePos(offsetAt(places, path, key));
    return { file, line, col };
  };
  return { file, text, data, at, release: () => { places = undefined; } };
}

export function parseText(text: string, file: string): ReadResult {
  const lc = new LineCounter();
  const options = { ...OPTIONS, lineCounter: lc };
  const doc = parseDocument(text, options);
  const posAt = (offset: number): At => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const problems: Problem[] = [];
  for (const e of withDuplicates(doc.errors, duplicateKeys(doc, () => parseDocument(text, { ...OPTIONS, keepSourceTokens: true })))) {
    const dup = e.code === 'DUPLICATE_KEY';
    problems.push(problem(posAt(e.pos[0]), dup ? 'duplicate-key' : 'yaml-syntax', e.message.split('\n')[0]!,
      dup ? 'each key may appear once in a mapping (YAML 1.2): merge the two entries' : undefined));
  }
  for (const w of doc.warnings) {
    // The message repeats the place ("at line 1, column 4:"), which the finding has.
    const message = w.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    problems.push(w.code === 'TAG_RESOLVE_FAILED'
      ? problem(posAt(w.pos[0]), 'yaml-tag', message, 'zone files use plain YAML: without the tag the value is read as text, as it is now', 'warning')
      : problem(posAt(w.pos[0]), 'yaml-warning', message, undefined, 'warning'));
  }
  // Duplicate keys leave a usable document (the last value wins); report them
  // and go on, so the rest of the file is checked in the same run.
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return { problems };
  let data: unknown;
  try {
    // An alias expanding past 100 nodes is an attack on memory (the "billion laughs"), not a zone.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // The parser leaves an alias to a missing anchor for toJS to find; both come back as findings.
    const alias = badAlias(doc);
    const unresolved = alias !== undefined && alias.resolve(doc) === undefined;
    problems.push(problem(posAt(alias?.range?.[0] ?? 0), 'yaml-alias', unresolved ? `alias *${alias.source} names no anchor before it` : (e as Error).message.split('\n')[0]!,
      unresolved ? `define &${alias.source} before the alias, or write the value out` : 'write the values out instead of nesting aliases'));
    return { problems };
  }
  return { parsed: { file, text, data, places: placeTree(doc), lineStarts: lc.lineStarts }, problems };
}

/** The first alias to a missing anchor, else the first alias at all. */
function badAlias(doc: Document): Alias | undefined {
  let first: Alias | undefined;
  let missing: Alias | undefined;
  visit(doc, {
    Alias(_, node) {
      first ??= node;
      if (node.resolve(doc) === undefined) { missing = node; return visit.BREAK; }
      return undefined;
    },
  });
  return missing ?? first;
}

interface YamlFinding { code: string; pos: [number, number]; message: string }

/**
 * Keys that appear twice in one mapping (YAML 1.2 §3.2.1.1: keys are
 * unique), as the library's `uniqueKeys` reports them: two keys are equal
 * when they are scalars of the same value (===, so 1 and "1" differ and NaN
 * is never equal); only mappings are checked (a pair in a flow sequence is
 * a mapping of its own). One pass over each mapping instead of a search per
 * key. The library places the finding where the key's item starts in its
 * token stream, which is not always the key (after an empty value it is the
 * end of that value): when there is a duplicate, the text is parsed again
 * with its tokens (which triples the memory a document takes, so not
 * always) to place it the same way.
 */
function duplicateKeys(doc: Document, reparse: () => Document): YamlFinding[] {
  if (!hasDuplicate(doc, () => undefined)) return [];
  const out: YamlFinding[] = [];
  const starts = new Map<YAMLMap, Map<Pair, number>>();
  hasDuplicate(reparse(), (map, pair) => {
    let s = starts.get(map);
    if (!s) starts.set(map, s = itemStarts(map));
    const at = s.get(pair) ?? (pair.key as Node | null)?.range?.[0] ?? 0;
    out.push({ code: 'DUPLICATE_KEY', pos: [at, at + 1], message: 'Map keys must be unique' });
  });
  // visit() sees a mapping before the mappings inside it; the library reports in the order of the text.
  return out.sort((x, y) => x.pos[0] - y.pos[0]);
}

/** Calls `found` for each key equal to one before it in its mapping; whether there was one. */
function hasDuplicate(doc: Document, found: (map: YAMLMap, pair: Pair) => void): boolean {
  let any = false;
  // Every collection, keys too; a list of work rather than recursion, since nesting may be deep.
  const todo: unknown[] = [doc.contents];
  while (todo.length) {
    const n = todo.pop();
    if (isSeq(n)) { for (const x of n.items) todo.push(x); continue; }
    if (!isMap(n)) continue;
    const items = n.items as Pair[];
    // Most mappings of a zone are small ({ipv4: ...}): comparing each pair is cheaper than a Set for them.
    const seen = items.length > 8 ? new Set<unknown>() : undefined;
    items.forEach((p, i) => {
      todo.push(p.key, p.value);
      const k = p.key;
      if (!isScalar(k) || Number.isNaN(k.value)) return;
      const dup = seen ? seen.has(k.value) : items.slice(0, i).some((q) => isScalar(q.key) && q.key.value === k.value);
      if (dup) { any = true; found(n, p); } else seen?.add(k.value);
    });
  }
  return any;
}

type CollItem = CST.BlockMap['items'][number];
type Tok = { offset: number; source: string };
const endOf = (ts: readonly Tok[] | undefined, dflt: number) => (ts?.length ? ts[ts.length - 1]!.offset + ts[ts.length - 1]!.source.length : dflt);

/**
 * Where the library's composer starts the item of each pair (its
 * "keyStart"): the end of the item's leading tokens (indicator, anchor, tag,
 * comments), or, with none, where the previous item ended (yaml 2
 * compose/resolve-block-map.js and resolve-flow-collection.js). Needs a
 * document parsed with keepSourceTokens.
 */
function itemStarts(map: YAMLMap): Map<Pair, number> {
  const out = new Map<Pair, number>();
  const coll = map.srcToken as CST.BlockMap | CST.FlowCollection | undefined;
  if (!coll) return out;
  const flow = coll.type === 'flow-collection';
  let offset = flow ? coll.offset + coll.start.source.length : coll.offset;
  const pairOf = new Map<CollItem, Pair>();
  for (const p of map.items) if (p.srcToken) pairOf.set(p.srcToken as CollItem, p as Pair);
  for (const it of coll.items as CollItem[]) {
    const start = endOf(it.start, offset);
    const p = pairOf.get(it);
    if (!p) {
      // An item of only comments or commas: a flow collection moves past it, a block mapping does not.
      if (flow) offset = start;
      continue;
    }
    out.set(p, start);
    const value = p.value as Node | null;
    offset = value?.range ? value.range[2] : endOf(it.sep, (p.key as Node | null)?.range?.[2] ?? start);
  }
  return out;
}

/**
 * The library's errors with the duplicate-key findings where its
 * `uniqueKeys` put them: right after the errors of the key, before those of
 * the value (of which only a missing value, or a key too long for one, is
 * reported at the key's own place), and otherwise in the order of the text.
 */
function withDuplicates(errors: readonly YamlFinding[], dups: readonly YamlFinding[]): YamlFinding[] {
  if (!dups.length) return [...errors];
  const afterKey = (e: YamlFinding) => e.code === 'KEY_OVER_1024_CHARS' || (e.code === 'MISSING_CHAR' && e.message.startsWith('Implicit map keys need to be followed'));
  const atOffset = new Map<number, number[]>();
  errors.forEach((e, i) => { const l = atOffset.get(e.pos[0]); if (l) l.push(i); else atOffset.set(e.pos[0], [i]); });
  // For "the first error after this place, in the library's order": errors by place, and the least index from each on.
  const byPlace = errors.map((e, i) => [e.pos[0], i] as const).sort((x, y) => x[0] - y[0]);
  const least: number[] = new Array<number>(byPlace.length + 1).fill(errors.length);
  for (let j = byPlace.length - 1; j >= 0; j--) least[j] = Math.min(byPlace[j]![1], least[j + 1]!);
  const firstAfter = (at: number) => {
    let lo = 0;
    let hi = byPlace.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (byPlace[mid]![0] <= at) lo = mid + 1; else hi = mid; }
    return least[lo]!;
  };
  // Each duplicate goes before the error of index `slot` (errors.length: at the end); dups are in the order of the text.
  const before = new Map<number, YamlFinding[]>();
  for (const d of dups) {
    const at = d.pos[0];
    const same = atOffset.get(at) ?? [];
    const keyErrors = same.filter((i) => !afterKey(errors[i]!));
    const slot = keyErrors.length ? keyErrors[keyErrors.length - 1]! + 1 : same.find((i) => afterKey(errors[i]!)) ?? firstAfter(at);
    const l = before.get(slot);
    if (l) l.push(d); else before.set(slot, [d]);
  }
  const out: YamlFinding[] = [];
  for (let i = 0; i <= errors.length; i++) {
    out.push(...(before.get(i) ?? []));
    if (i < errors.length) out.push(errors[i]!);
  }
  return out;
}
