/**
 * Loading zone files written by a test: into a fresh temp dir, loaded, and
 * the dir removed again (loadZones reads every file at once, so nothing
 * needs it afterwards). For tests of the config, synth and lint stages.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadZones, type LoadResult } from '../../src/server/load.js';

export interface Loaded extends LoadResult {
  /** The temp dir the files were in (already removed); problem paths start with it. */
  dir: string;
}

/** `files`: file name → YAML text. */
export function loadYaml(files: Record<string, string>): Loaded {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-zones-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return { ...loadZones([dir]), dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Problems as "severity rule line", optionally only the rules in `only`. */
export function findingLines(problems: readonly { severity: string; rule: string; line: number }[], only?: ReadonlySet<string>): string[] {
  return problems.filter((p) => !only || only.has(p.rule)).map((p) => `${p.severity} ${p.rule} ${p.line}`);
}
