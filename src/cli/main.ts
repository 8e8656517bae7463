#!/usr/bin/env node
/** The `mailns` command: serve, check, export, import. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadZones } from '../server/load.js';
import { exportZone, explainZone } from '../zone/export.js';
import { formatProblem, sortProblems, type Problem } from '../util/problem.js';
import { nameToText } from '../util/name.js';
import { runImport } from './import.js';
import { keygen } from './dkim.js';
import { runInit } from './init.js';
import { parseCommandLine, VERBS } from './args.js';
import { serve } from './serve.js';
import { UsageError } from './usage-error.js';
import { runDiff } from './diff.js';
import { probe } from './probe.js';
import { tsigKeygen } from './tsig.js';
import { catalogName, configErrors, oneLine, placeCatalogFindings, settings, unknownZoneKeys } from './config.js';
import { readSerials as readState } from '../server/state.js';
import { copyEnvironment } from '../util/env.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const USAGE = `mailns ${VERSION}: an authoritative DNS server for mail domains

usage:
${VERBS.map((v) => v.usage.split('\n').filter((l) => l.startsWith('mailns')).map((l) => `  ${l}`).join('\n')).join('\n')}
  mailns --version

Each command answers --help with what it does. DIR defaults to ./zones.`;

/** The serials serve would start from (the state directory, read only; a file it cannot read is one line on stderr). */
const readSerials = (flag: string | undefined) => readState(flag, (w) => console.error(`warning: ${w}`));

function report(problems: Problem[], out: (s: string) => void): void {
  for (const p of sortProblems(problems)) out(formatProblem(p));
}

export async function main(argv: string[]): Promise<number> {
  copyEnvironment();
  const first = argv[0];
  if (first === '--version' || first === '-V') { console.log(VERSION); return 0; }
  if (first === 'help' || first === '--help' || first === '-h') { console.log(USAGE); return 0; }
  const parsed = parseCommandLine(argv, USAGE);
  if (parsed.kind === 'help') { console.log(parsed.text); return 0; }
  if (parsed.kind === 'usage-error') { console.error(`${parsed.message}\n\n${parsed.usage}`); return 2; }
  const { values: v, positionals } = parsed;
  const values = v as Record<string, string | undefined> & { annotate?: boolean; force?: boolean; strict?: boolean; verbose?: boolean };
  const verb = parsed.verb.name.split(' ')[0];
  const dirs = positionals.length ? positionals : ['zones'];
  switch (verb) {
    case 'serve': {
      // The configuration file's mistakes are the command line's: one line each on stderr, exit 2, nothing bound.
      const s = settings(positionals, values);
      const errors = configErrors(s);
      for (const p of errors) console.error(`mailns serve: ${oneLine(p)}`);
      if (errors.length) return 2;
      // Key files others may read are warned about where the keys are read (transferSettings), once.
      return serve(s.dirs, s.values, VERSION, { label: s.label, warnings: s.config?.problems.filter((p) => p.rule !== 'tsig-key-mode') });
    }
    case 'check': {
      if (values.format !== undefined && values.format !== 'text' && values.format !== 'json') { console.error(`mailns check: --format is text or json, not "${values.format}"\n\n${parsed.verb.usage}`); return 2; }
      // The configuration file is checked with the zones: its findings among theirs, the catalog's too.
      const s = settings(positionals, values);
      const loaded = loadZones(s.dirs, { serials: readSerials(s.values['state-dir'] as string | undefined), catalogZone: catalogName(s.values.catalog, s.label('catalog')) });
      const r = { ...loaded, problems: sortProblems([...(s.config?.problems ?? []), ...placeCatalogFindings(loaded.problems, s), ...unknownZoneKeys(loaded.zones.map((z) => z.model), s)]), failed: configErrors(s).length ? [s.config!.file, ...loaded.failed] : loaded.failed };
      const errors = r.problems.filter((p) => p.severity === 'error').length;
      const warnings = r.problems.filter((p) => p.severity === 'warning').length;
      const failing = errors > 0 || (values.strict === true && warnings > 0);
      if (values.format === 'json') {
        console.log(JSON.stringify({
          ok: !failing,
          zones: r.zones.map((z) => ({ zone: nameToText(z.zone.origin), file: z.file, serial: z.serial, records: z.zone.recordCount, ...(z.artifacts.isp ? { isp: z.artifacts.isp } : {}) })),
          failed: r.failed,
          problems: r.problems,
          silenced: r.silenced.map((x) => ({ ...x.problem, reason: x.reason })),
        }, null, 2));
        return failing ? 1 : 0;
      }
      report(r.problems, (s) => console.log(s));
      if (values.verbose) {
        for (const x of r.silenced) console.log(`${formatProblem(x.problem)}\n    silenced by lint.ignore: ${x.reason}`);
      }
      // What to ask the ISP for: one line per reverse zone; the records to paste with --verbose.
      const isp = r.zones.filter((z) => z.artifacts.isp?.length);
      if (isp.length) console.log('');
      for (const z of isp) {
        const lines = z.artifacts.isp!;
        const ns = lines.filter((l) => l.split('\t')[1] === 'NS').map((l) => l.split('\t')[2]);
        const cnames = lines.length - ns.length;
        const zone = nameToText(z.zone.origin);
        if (!values.verbose) {
          console.log(cnames
            ? `${zone}: ask the ISP for an RFC 2317 delegation: NS to ${ns.join(', ')} and ${cnames} CNAMEs (--verbose lists them)`
            : `${zone}: ask the ISP to delegate it to ${ns.join(', ')} (--verbose lists the records)`);
          continue;
        }
        console.log(`${zone}: ask the ISP to publish in its zone${cnames ? ' (RFC 2317)' : ''}:`);
        for (const l of lines) console.log(`    ${l}`);
      }
      console.log(`\n${r.zones.length} zone(s) ok, ${r.failed.length} file(s) with errors; ${errors} error(s), ${warnings} warning(s), ${r.problems.length - errors - warnings} note(s)${r.silenced.length ? `, ${r.silenced.length} silenced (--verbose shows them)` : ''}`);
      return failing ? 1 : 0;
    }
    case 'export': {
      const s = settings(positionals, values);
      const r = loadZones(s.dirs, { serials: readSerials(s.values['state-dir'] as string | undefined), catalogZone: catalogName(s.values.catalog, s.label('catalog')) });
      report([...(s.config?.problems ?? []), ...placeCatalogFindings(r.problems, s)], (line) => console.error(line));
      // A configuration file with errors is a usage mistake (as for serve); a zone with errors is not exported.
      if (configErrors(s).length) return 2;
      if (r.problems.some((p) => p.severity === 'error')) return 1;
      if (values['mta-sts'] !== undefined) {
        const z = r.zones.find((x) => nameToText(x.zone.origin) === values['mta-sts']!.toLowerCase().replace(/\.?$/, '.'));
        if (!z?.artifacts.mtaStsPolicy) { console.error(`no zone ${values['mta-sts']} with mail.mta_sts`); return 1; }
        // Serve this at https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.3).
        process.stdout.write(z.artifacts.mtaStsPolicy);
        return 0;
      }
      const want = values.zone?.toLowerCase().replace(/\.?$/, '.');
      const zones = r.zones.filter((z) => !want || nameToText(z.zone.origin) === want);
      if (want && !zones.length) {
        console.error(`mailns export: no zone ${want} in ${s.dirs.join(' ')} (its zones: ${r.zones.map((z) => nameToText(z.zone.origin)).join(', ') || 'none'})`);
        return 1;
      }
      for (const z of zones) process.stdout.write(exportZone(z.zone, { annotate: values.annotate }));
      return 0;
    }
    case 'diff':
      return runDiff(positionals, values, parsed.verb.usage);
    case 'explain': {
      const r = loadZones(positionals.length > 1 ? positionals.slice(1) : ['zones'], { serials: readSerials(values['state-dir']) });
      report(r.problems, (s) => console.error(s));
      const want = positionals[0]?.toLowerCase().replace(/\.?$/, '.');
      const zones = r.zones.filter((z) => !want || nameToText(z.zone.origin) === want);
      if (!zones.length) { console.error(`no zone ${positionals[0] ?? ''} loaded`); return 1; }
      for (const z of zones) process.stdout.write(explainZone(z.zone));
      return 0;
    }
    case 'dkim': {
      if (!values.zone || !values.selector) {
        console.error(`mailns dkim keygen: ${!values.zone ? '--zone' : '--selector'} is needed\n\n${parsed.verb.usage}`);
        return 2;
      }
      const type = (values.type ?? 'rsa') as 'rsa' | 'ed25519';
      if (type !== 'rsa' && type !== 'ed25519') { console.error('--type is rsa or ed25519'); return 2; }
      let k: ReturnType<typeof keygen>;
      try {
        k = keygen({
          zone: values.zone, selector: values.selector, type, bits: Number(values.bits ?? 2048),
          zoneDir: values['zone-dir'] ?? 'zones', dir: values.dir ?? join(values['zone-dir'] ?? 'zones', 'keys'), privateDir: values['private-dir'] ?? 'keys.private', force: values.force,
        });
      } catch (e) {
        // An existing selector, a bad key size, a directory it cannot write: the user's to fix, one line.
        console.error(`mailns dkim keygen: ${(e as Error).message}`);
        return 2;
      }
      for (const w of k.warnings) console.error(w);
      console.log(`private key (for the mail server, mode 0600): ${k.privatePath}`);
      console.log(`public key (for the zone): ${k.publicPath}`);
      console.log(`\nadd to the zone file of ${values.zone} (key_file is relative to the zone file):\n\n${k.yaml}`);
      console.log(`it publishes ${values.selector}._domainkey.${values.zone.replace(/\.$/, '')} TXT "${k.record.slice(0, 60)}..."`);
      return 0;
    }
    case 'tsig': {
      const k = tsigKeygen({ name: positionals[0]!, algorithm: values.algorithm, dir: values.dir, force: values.force, primary: values.primary, zone: values.zone });
      console.log(k.text);
      return 0;
    }
    case 'import':
      return runImport(positionals[0]!, values.origin);
    case 'init':
      return runInit(positionals, parsed.values);
    case 'probe':
      return probe(dirs, values);
    default:
      return 2; // parseCommandLine knows no other verb
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exitCode = code; },
  (err: unknown) => {
    // A usage mistake found while running (a bad --listen) is one line and exit 2; anything else is a bug, with its stack.
    if (err instanceof UsageError) { console.error(`mailns ${process.argv[2] ?? ''}: ${err.message}`); process.exitCode = 2; return; }
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exitCode = 70; // EX_SOFTWARE (sysexits.h): an internal error
  },
);
