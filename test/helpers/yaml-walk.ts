/**
 * The reference for at(): the walk over the parsed document that mailns did
 * before places were kept as a tree of their own (src/config/positions.ts),
 * kept here to show that the tree answers exactly as it did (key texts come
 * from the one keyText both use: the tree changed the walk, not that).
 */
import { isMap, isSeq, LineCounter, Pair, parseDocument, type Document, type Node } from 'yaml';
// How a key's text is made is not what the tree changed: both walks name keys with the one function.
import { keyText } from '../../src/config/positions.js';

export function referenceAt(text: string): (path: readonly (string | number)[], key?: boolean) => { line: number; col: number } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false, logLevel: 'error' });
  return (path, key = false) => {
    const n = nodeAt(doc, path, key);
    const p = lc.linePos(n?.range ? startOf(n) : (doc.contents?.range?.[0] ?? 0));
    return { line: p.line, col: p.col };
  };
}

function startOf(n: Node): number {
  const first = isMap(n) ? (n.items[0]?.key as Node | null | undefined) : undefined;
  const start = n.range![0];
  return first?.range ? Math.min(start, startOf(first)) : start;
}

function nodeAt(doc: Document, path: readonly (string | number)[], key: boolean): Node | undefined {
  let node = doc.contents as Node | null | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (isMap(node)) {
      const pair = (node.items as Pair[]).find((p) => keyText(doc, p.key as Node | null) === String(seg));
      if (!pair) return node;
      if (key && i === path.length - 1) return pair.key as Node;
      node = (pair.value ?? pair.key) as Node;
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
