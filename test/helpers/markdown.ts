/** Reads Markdown pages for the docs tests: fenced blocks with their markers, and heading anchors. */
import { readFileSync } from 'node:fs';

export interface Block { file: string; line: number; lang: string; marker: string | undefined; text: string }

/** The fenced blocks of a Markdown page, each with the HTML comment on the line before its fence. */
export function blocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l === '```');
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed fence`);
    const marker = /^<!-- (\S+) -->$/.exec(lines[i - 1] ?? '')?.[1];
    out.push({ file, line: i + 1, lang: open[1]!, marker, text: lines.slice(i + 1, end).join('\n') + '\n' });
    i = end;
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
export function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, title] of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = title!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}
