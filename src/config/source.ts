/**
 * Reading one YAML file with its source positions (YAML 1.2, duplicate keys
 * are errors). Everything after this point asks `at(path)` for file:line:col.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
import { type At, type Problem, problem } from '../util/problem.js';

export type Path = readonly (string | number)[];

export interface YamlSource {
  file: string;
  data: unknown;
  /** Position of the value at `path` (or of its key, for "unknown key" errors). */
  at(path: Path, key?: boolean): At;
}

/** A zone file larger than this is a mistake (a log, an image), not a zone: 64 MiB is millions of hosts. */
export const MAX_ZONE_FILE = 64 * 2 ** 20;

/** A file refused for what it is (a FIFO, too large), not for an error of the system. */
class Refused extends Error {}

export function readYaml(file: string, displayName = file): { source?: YamlSource; problems: Problem[] } {
  const text = readRegularFile(file, MAX_ZONE_FILE);
  if (text instanceof Refused) {
    return { problems: [problem({ file: displayName, line: 1, col: 1 }, 'read', `the zone file is ${text.message}`,
      'a zone file is a regular file of YAML text: remove this one from the zone directory, or point it at the real file')] };
  }
  if (text instanceof Error) return { problems: [problem({ file: displayName, line: 1, col: 1 }, 'read', text.message)] };
  return parseYaml(text, displayName);
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
  const lc = new LineCounter();
  // logLevel 'error': warnings come back as findings below, not on stderr.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  const posAt = (offset: number): At => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const problems: Problem[] = [];
  for (const e of doc.errors) {
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
  const at = (path: Path, key = false): At => {
    const n = nodeAt(doc, path, key);
    return n?.range ? posAt(n.range[0]) : posAt(doc.contents?.range?.[0] ?? 0);
  };
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
  return { source: { file, data, at }, problems };
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

/** The deepest node that exists along `path` (so a missing key points at its parent). */
function nodeAt(doc: Document, path: Path, key: boolean): Node | undefined {
  let node = doc.contents as Node | null | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return node;
      if (key && i === path.length - 1) return pair.key as Node;
      node = pair.value as Node;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (!item) return node;
      node = item;
    } else {
      return node ?? undefined;
    }
  }
  return node ?? undefined;
}
