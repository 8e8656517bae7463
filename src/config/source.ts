/**
 * Reading one YAML file with its source positions (YAML 1.2, duplicate keys
 * are errors). Everything after this point asks `at(path)` for file:line:col.
 */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node } from 'yaml';
import { type At, type Problem, problem } from '../util/problem.js';

export type Path = readonly (string | number)[];

export interface YamlSource {
  file: string;
  data: unknown;
  /** Position of the value at `path` (or of its key, for "unknown key" errors). */
  at(path: Path, key?: boolean): At;
}

export function readYaml(file: string, displayName = file): { source?: YamlSource; problems: Problem[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { problems: [problem({ file: displayName, line: 1, col: 1 }, 'read', (e as Error).message)] };
  }
  return parseYaml(text, displayName);
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
