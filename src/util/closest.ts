/** "Did you mean": how far apart two words are, and the one word a typo was meant to be. */

/**
 * Edit distance with transpositions (optimal string alignment, the
 * restricted Damerau-Levenshtein distance): inlcude → include and rau → rua
 * are 1, as a typist's slip is one mistake.
 */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate `word` was most likely meant to be, or undefined when none
 * is near or two are equally near. Letter case does not count. Near is
 * relative to length: one edit when either word has at most four letters
 * (`tll` is `ttl`; `exp` is not `expire`), two otherwise (`polcy`,
 * `inlcude`); and a word must keep at least one letter of the candidate.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  let tie = false;
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase());
    if (d < bestD) { best = c; bestD = d; tie = false; }
    else if (d === bestD) tie = true;
  }
  if (best === undefined || tie) return undefined;
  const limit = Math.min(w.length, best.length) <= 4 ? 1 : 2;
  // Replacing every letter makes a different word, not a typo (`q` → `p`, `ab` → `cd`).
  return bestD <= limit && bestD < Math.max(w.length, best.length) ? best : undefined;
}
