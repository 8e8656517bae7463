/**
 * Where everything in a YAML file is, without the document: a tree shaped
 * like the data holding the offset where each node starts (and each key),
 * made once from the parsed document. It is what at() walks, so a file
 * parsed on a worker thread (src/config/parse-pool.ts) hands the loader
 * plain data, and the document itself, several times the size of its text,
 * goes as soon as the file is parsed.
 */
import { isAlias, isMap, isScalar, isSeq, Pair, YAMLMap, type Document, type Node } from 'yaml';

/** One node of the data: where it starts (its key's place too, for a mapping's value), and what is inside it. */
export interface PlaceNode {
  /** Offset of the node's start, or the document's start for a node with no place of its own. */
  v: number;
  /** For a value in a mapping: the offset of its key. */
  k?: number;
  /** A mapping's values by the text the data has for their keys (the first of equal keys). */
  m?: Map<string, PlaceNode>;
  /** A sequence's items (a hole where the document has no node). */
  s?: (PlaceNode | undefined)[];
}

/**
 * The places of every node of `doc`. Made with a list of work, not by
 * recursion: nesting may be deep. What at() answers follows the document as
 * it was walked before (the deepest node that exists along a path, a
 * missing key giving its mapping, an explicit key without a value giving
 * the key).
 */
export function placeTree(doc: Document): PlaceNode {
  const none = doc.contents?.range?.[0] ?? 0;
  const place = (n: Node | null | undefined) => (n?.range ? startOf(n) : none);
  const root: PlaceNode = { v: place(doc.contents as Node | null) };
  const todo: [Node | null | undefined, PlaceNode][] = [[doc.contents as Node | null, root]];
  while (todo.length) {
    const [n, out] = todo.pop()!;
    if (isMap(n)) {
      const m = new Map<string, PlaceNode>();
      for (const p of n.items as Pair[]) {
        const key = keyText(doc, p.key as Node | null);
        if (key === undefined || m.has(key)) continue;
        // An explicit key without a value (`? mail`) has no value node: its key is the place.
        const value = (p.value ?? p.key) as Node | null;
        const child: PlaceNode = { v: place(value), k: place(p.key as Node | null) };
        m.set(key, child);
        todo.push([value, child]);
      }
      out.m = m;
    } else if (isSeq(n)) {
      out.s = (n.items as (Node | null)[]).map((item) => {
        if (!item) return undefined;
        const child: PlaceNode = { v: place(item) };
        todo.push([item, child]);
        return child;
      });
    }
  }
  return root;
}

/** The offset at() gives for `path`: the deepest node that exists along it (the key of the last, if `key`). */
export function offsetAt(root: PlaceNode, path: readonly (string | number)[], key: boolean): number {
  let n = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (n.m) {
      const c = n.m.get(String(seg));
      if (!c) return n.v;
      if (key && i === path.length - 1) return c.k!;
      n = c;
    } else if (n.s) {
      const c = n.s[Number(seg)];
      if (!c) return n.v;
      n = c;
    } else {
      return n.v;
    }
  }
  return n.v;
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
