/**
 * Where everything in a YAML file is, without the document: the offset
 * where each node starts (and each key), in the shape of the data, made
 * once from the parsed document. It is what at() walks, so a file parsed on
 * a worker thread (src/config/parse-pool.ts) hands the loader plain data,
 * and the document itself, several times the size of its text, goes as
 * soon as the file is parsed.
 */
import { isAlias, isMap, isScalar, isSeq, Pair, YAMLMap, type Document, type Node } from 'yaml';

/**
 * The places, flat: five numbers a node in `n` (its offset, its key's
 * offset or -1, its kind, where its children start, how many there are),
 * the children of a node side by side, and in `keys` the key each child of
 * a mapping has (the first of equal keys; "" for others). Two arrays cross
 * a thread at a fraction of the cost of a tree of objects and Maps (which
 * was most of what a parsed file cost to hand over). `maps` is made where
 * at() is asked, for mappings too large to scan.
 */
export interface PlaceTree {
  n: Int32Array;
  keys: string[];
  maps?: Map<number, Map<string, number>>;
}

const W = 5;
const V = 0, K = 1, KIND = 2, FIRST = 3, COUNT = 4;
const LEAF = 0, MAP = 1, SEQ = 2;
/** A sequence item the document has no node for (a hole): at() stops at the sequence. */
const HOLE = -1;
/** Mappings with more children than this get a Map when first asked; smaller ones are scanned. */
const SCAN = 8;

/**
 * The places of every node of `doc`, breadth first (so the children of each
 * node are side by side), with a list of work, not recursion: nesting may
 * be deep. What at() answers follows the document as it was walked before
 * (the deepest node that exists along a path, a missing key giving its
 * mapping, an explicit key without a value giving the key).
 */
export function placeTree(doc: Document): PlaceTree {
  const none = doc.contents?.range?.[0] ?? 0;
  const place = (n: Node | null | undefined) => (n?.range ? startOf(n) : none);
  const n: number[] = [place(doc.contents as Node | null), -1, LEAF, 0, 0];
  const keys: string[] = [''];
  const todo: (Node | null | undefined)[] = [doc.contents as Node | null];
  for (let i = 0; i < todo.length; i++) {
    const node = todo[i];
    const at = i * W;
    if (isMap(node)) {
      n[at + KIND] = MAP;
      n[at + FIRST] = keys.length;
      const seen = new Set<string>();
      for (const p of node.items as Pair[]) {
        const key = keyText(doc, p.key as Node | null);
        if (key === undefined || seen.has(key)) continue;
        seen.add(key);
        // An explicit key without a value (`? mail`) has no value node: its key is the place.
        const value = (p.value ?? p.key) as Node | null;
        n.push(place(value), place(p.key as Node | null), LEAF, 0, 0);
        keys.push(key);
        todo.push(value);
      }
      n[at + COUNT] = keys.length - n[at + FIRST]!;
    } else if (isSeq(node)) {
      n[at + KIND] = SEQ;
      n[at + FIRST] = keys.length;
      n[at + COUNT] = node.items.length;
      for (const item of node.items as (Node | null)[]) {
        n.push(item ? place(item) : HOLE, -1, LEAF, 0, 0);
        keys.push('');
        todo.push(item ?? undefined);
      }
    }
  }
  return { n: Int32Array.from(n), keys };
}

/** The child of mapping node `i` with key `key`, or -1. */
function childByKey(t: PlaceTree, i: number, key: string): number {
  const first = t.n[i * W + FIRST]!;
  const count = t.n[i * W + COUNT]!;
  if (count <= SCAN) {
    for (let c = first; c < first + count; c++) if (t.keys[c] === key) return c;
    return -1;
  }
  t.maps ??= new Map();
  let m = t.maps.get(i);
  if (!m) {
    m = new Map();
    for (let c = first; c < first + count; c++) m.set(t.keys[c]!, c);
    t.maps.set(i, m);
  }
  return m.get(key) ?? -1;
}

/** The offset at() gives for `path`: the deepest node that exists along it (the key of the last, if `key`). */
export function offsetAt(t: PlaceTree, path: readonly (string | number)[], key: boolean): number {
  const n = t.n;
  let i = 0;
  for (let s = 0; s < path.length; s++) {
    const seg = path[s]!;
    const kind = n[i * W + KIND];
    let c = -1;
    if (kind === MAP) {
      c = childByKey(t, i, String(seg));
      if (c >= 0 && key && s === path.length - 1) return n[c * W + K]!;
    } else if (kind === SEQ) {
      const at = Number(seg);
      if (Number.isInteger(at) && at >= 0 && at < n[i * W + COUNT]! && n[(n[i * W + FIRST]! + at) * W + V] !== HOLE) c = n[i * W + FIRST]! + at;
    }
    if (c < 0) return n[i * W + V]!;
    i = c;
  }
  return n[i * W + V]!;
}

/** Where a node starts: a block mapping written as an explicit key (`? a: 1`) has a range that starts after its first key. */
function startOf(n: Node): number {
  const first = isMap(n) ? (n.items[0]?.key as Node | null | undefined) : undefined;
  const start = n.range![0];
  return first?.range ? Math.min(start, startOf(first)) : start;
}

/** A key as the data names it: a null key (`? `, `~:`) is "" there, a mapping or list its YAML text. */
export function keyText(doc: Document, key: Node | null): string | undefined {
  return isScalar(key) ? (key.value === null ? '' : String(key.value)) : collectionKey(doc, key);
}

/**
 * The text the data has for a key that is a mapping or a list (`? {a: 1}`),
 * as the library makes it (in the document's own context, for its tags and
 * anchors: the document holds, for a moment, a mapping of that key alone);
 * undefined if there is none.
 */
function collectionKey(doc: Document, key: Node | null): string | undefined {
  if (!key || isAlias(key)) return undefined;
  const contents = doc.contents;
  const logLevel = doc.options.logLevel;
  try {
    const one = new YAMLMap();
    one.items.push(new Pair(key));
    doc.contents = one;
    // Silent: the library warns on stderr that such keys become text.
    doc.options.logLevel = 'silent';
    return Object.keys(doc.toJS({ maxAliasCount: 100 }) as object)[0];
  } catch {
    return undefined;
  } finally {
    doc.contents = contents;
    doc.options.logLevel = logLevel;
  }
}
