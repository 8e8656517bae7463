/**
 * `mailns diff`: what would change in the published records, zone by zone,
 * between two sets of zone files (OLD NEW), or between a git revision and the
 * working tree (--git REV). Each side is loaded as `check` and `export` load
 * it, and compared as `export` prints it. Exit codes follow diff(1): 0 no
 * change, 1 changes, 2 trouble (a usage error, a bad revision, or a side with
 * errors: a side that would not be served is never compared).
 */
import { loadZones, type LoadResult } from '../server/load.js';
import { diffSnapshots, type SnapshotDiff } from '../zone/diff.js';
import { formatProblem } from '../util/problem.js';
import { gitSides, GitError, type GitSides } from './diff-git.js';
import { readSerials } from '../server/state.js';
import { catalogName, configErrors, placeCatalogFindings, settings } from './config.js';

/** The verb's flags as parsed (args.ts declares git and format as strings). */
export type DiffValues = Readonly<Record<string, unknown>> & { git?: string; format?: string; 'state-dir'?: string; config?: string; catalog?: string };

interface Side {
  label: string;
  result: LoadResult;
  relabel: (text: string) => string;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The diff in text: a header per zone, `-`/`+` lines, notes, and a summary line. */
export function diffText(d: SnapshotDiff): string {
  const out: string[] = [];
  for (const z of d.zones) {
    if (out.length) out.push('');
    out.push(z.status === 'changed'
      ? `zone ${z.zone}: ${z.added} added, ${z.removed} removed${z.serial ? ` (SOA serial ${z.serial.old} -> ${z.serial.new})` : ''}`
      : `zone ${z.zone}: ${z.status} (${plural(z.status === 'added' ? z.added : z.removed, 'record')})`);
    for (const l of z.lines) out.push(`${l.op}${l.record}`);
  }
  if (d.serialOnly.length) {
    if (out.length) out.push('');
    const which = d.serialOnly.map((s) => `${s.zone} ${s.old} -> ${s.new}`).join(', ');
    // A written serial bumped with nothing else changed (serial: auto never moves alone).
    out.push(`note: only the SOA serial differs, which is not a change: ${which}`);
  }
  const changed = d.zones.filter((z) => z.status === 'changed').length;
  const added = d.zones.filter((z) => z.status === 'added').length;
  const removed = d.zones.length - changed - added;
  const records = d.zones.reduce((n, z) => ({ added: n.added + z.added, removed: n.removed + z.removed }), { added: 0, removed: 0 });
  if (out.length) out.push('');
  out.push(d.zones.length
    ? `${plural(changed, 'zone')} changed, ${added} added, ${removed} removed, ${d.unchanged} unchanged; ${plural(records.added, 'record')} added, ${records.removed} removed`
    : `no changes (${plural(d.unchanged, 'zone')})`);
  return out.join('\n') + '\n';
}

/** Findings of a side on stderr (errors and warnings; notes are for `check`); true when it has errors. */
function reportSide(s: Side): boolean {
  const shown = s.result.problems.filter((p) => p.severity !== 'info');
  for (const p of shown) console.error(s.relabel(formatProblem(p)));
  const errors = shown.filter((p) => p.severity === 'error').length;
  if (errors) console.error(`mailns diff: ${s.label} has ${plural(errors, 'error')}: not compared`);
  return errors > 0;
}

export function runDiff(positionals: string[], values: DiffValues, usage: string): number {
  const usageError = (m: string) => { console.error(`mailns diff: ${m}\n\n${usage}`); return 2; };
  if (values.format !== undefined && values.format !== 'text' && values.format !== 'json') return usageError(`--format is text or json, not "${values.format}"`);
  let git: GitSides | undefined;
  let sides: [Side, Side];
  // The --config file gives the state directory, the catalog and (for --git) the paths, as it gives serve them.
  const s = settings(values.git !== undefined ? positionals : [], values);
  const configProblems = configErrors(s);
  for (const p of configProblems) console.error(formatProblem(p));
  if (configProblems.length) { console.error(`mailns diff: ${s.config!.file} has ${plural(configProblems.length, 'error')}: not compared`); return 2; }
  const catalogZone = catalogName(s.values.catalog, s.label('catalog'));
  // Both sides with the serials serve would publish for them; whether a written serial grew is check's question, not a difference.
  const serials = readSerials(s.values['state-dir'] as string | undefined, (w) => console.error(`warning: ${w}`));
  const loadSide = (paths: string[]) => {
    const r = loadZones(paths, { serials, serialFindings: false, catalogZone });
    return { ...r, problems: placeCatalogFindings(r.problems, s) };
  };
  if (values.git !== undefined) {
    if (!values.git) return usageError('--git needs a revision');
    try {
      git = gitSides(values.git, s.dirs);
    } catch (e) {
      if (!(e instanceof GitError)) throw e;
      console.error(`mailns diff: ${e.message}`);
      return 2;
    }
    // A path on one side only loads nothing there: its zones are added (or removed) wholly.
    sides = [
      { label: values.git, result: loadSide(git.old), relabel: git.relabel },
      { label: 'the working tree', result: loadSide(git.now), relabel: (t) => t },
    ];
  } else {
    if (positionals.length !== 2) return usageError(positionals.length < 2 ? 'OLD and NEW are needed (or --git REV)' : `unexpected argument "${positionals[2]}"`);
    sides = [
      { label: positionals[0]!, result: loadSide([positionals[0]!]), relabel: (t) => t },
      { label: positionals[1]!, result: loadSide([positionals[1]!]), relabel: (t) => t },
    ];
  }
  try {
    const broken = sides.map(reportSide);
    if (broken.some(Boolean)) return 2;
    const d = diffSnapshots(sides[0].result.zones.map((z) => z.zone), sides[1].result.zones.map((z) => z.zone));
    if (values.format === 'json') {
      console.log(JSON.stringify({ changed: d.zones.length > 0, zones: d.zones, unchanged: d.unchanged, serialOnly: d.serialOnly }, null, 2));
    } else {
      process.stdout.write(diffText(d));
    }
    return d.zones.length ? 1 : 0;
  } finally {
    git?.cleanup();
  }
}
