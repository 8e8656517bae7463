#!/usr/bin/env node
/** The `mailns` command: serve, check, export, import. */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadZones, type LoadResult } from '../server/load.js';
import { DnsServer, type ListenAddress } from '../server/server.js';
import { exportZone } from '../zone/export.js';
import { formatProblem, sortProblems, type Problem } from '../util/problem.js';
import { nameToText } from '../util/name.js';
import { runImport } from './import.js';
import { keygen } from './dkim.js';
import { explainZone } from '../zone/export.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const USAGE = `mailns ${VERSION}: an authoritative DNS server for mail domains

usage:
  mailns serve [DIR|FILE ...] [--listen HOST:PORT ...] [--log-level LEVEL]
               [--hide-version] [--identity TEXT]
               [--tcp-idle-timeout SECONDS] [--tcp-max-connections N]
  mailns check [DIR|FILE ...] [--format text|json] [--strict] [--verbose]
                                         validate and lint every zone; exit 1 on errors
                                         (--strict: on warnings too); --verbose shows what
                                         lint.ignore silenced, with the reason
  mailns export [DIR|FILE ...] [--zone NAME] [--annotate]
                                         print RFC 1035 zone files
  mailns export [DIR|FILE ...] --mta-sts DOMAIN
                                         print the MTA-STS policy file to serve over HTTPS
  mailns explain DOMAIN [DIR|FILE ...]   every record with the file:line and helper that made it
  mailns dkim keygen --zone DOMAIN --selector NAME [--type rsa|ed25519] [--bits 2048]
               [--zone-dir zones] [--dir ZONE_DIR/keys] [--private-dir keys.private]
  mailns import FILE.zone [--origin NAME] print a zone file as mailns YAML

DIR defaults to ./zones. --listen defaults to 127.0.0.1:5353 and may be repeated
(use [::1]:5353 for IPv6). SIGHUP reloads the zones; a zone that fails to load
keeps serving its last good copy.`;

function parseListen(s: string): ListenAddress {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m) throw new Error(`--listen ${s}: expected HOST:PORT or [IPv6]:PORT`);
  return { host: m[1]!, port: Number(m[2]) };
}

function report(problems: Problem[], out: (s: string) => void): void {
  for (const p of sortProblems(problems)) out(formatProblem(p));
}

async function serve(dirs: string[], values: Record<string, unknown>): Promise<number> {
  const log: Logger = pino({ level: (values['log-level'] as string | undefined) ?? process.env.LOG_LEVEL ?? 'info', base: { pid: process.pid } });
  const listen = ((values.listen as string[] | undefined) ?? ['127.0.0.1:5353']).map(parseListen);
  const t0 = performance.now();
  let loaded = loadZones(dirs);
  logLoad(log, loaded);
  if (loaded.zones.length === 0) {
    log.error({ dirs }, 'no zone loaded');
    return 1;
  }
  const server = new DnsServer(loaded.catalog, {
    listen,
    tcp: {
      ...(values['tcp-idle-timeout'] !== undefined ? { idleTimeoutMs: positive(values['tcp-idle-timeout'], '--tcp-idle-timeout') * 1000 } : {}),
      ...(values['tcp-max-connections'] !== undefined ? { maxConnections: positive(values['tcp-max-connections'], '--tcp-max-connections') } : {}),
    },
    chaos: {
      version: values['hide-version'] ? false : `mailns ${VERSION}`,
      identity: values['hide-version'] ? false : ((values.identity as string | undefined) ?? hostname()),
    },
  }, log);
  try {
    await server.start();
  } catch (err) {
    log.error({ err, listen: listen.map((l) => fmtAddr({ address: l.host, port: l.port })) }, 'cannot listen');
    await server.stop();
    return 1;
  }
  log.info({ udp: server.bound.udp.map(fmtAddr), tcp: server.bound.tcp.map(fmtAddr), zones: loaded.zones.length, ms: Math.round(performance.now() - t0) }, 'started');

  process.on('SIGHUP', () => {
    // A reload must never take the running server down: whatever fails, the current zones stay.
    try {
      reload();
    } catch (err) {
      log.error({ err }, 'reload failed; serving the previous zones');
    }
  });
  const reload = () => {
    // A zone that fails keeps its last good copy, so one typo takes nothing down; the
    // loader certifies the fresh zones over exactly the set that will be served.
    const next = loadZones(dirs, { previous: loaded });
    logLoad(log, next, loaded);
    const kept = next.kept;
    if (kept.length) log.warn({ files: kept.map((z) => z.file) }, 'kept the last good copy of zones that failed to reload');
    const zones = [...next.zones, ...kept];
    loaded = { ...next, zones, kept: [] };
    server.setCatalog(loaded.catalog);
    log.info({ zones: loaded.zones.length }, 'reloaded');
  };
  const stop = async (signal: string) => {
    log.info({ signal }, 'stopping');
    await server.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return -1; // keep running
}

function positive(v: unknown, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} ${String(v)}: expected a positive whole number`);
  return n;
}

function fmtAddr(a: { address: string; port: number }): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

const findingKey = (p: Problem) => `${p.file}:${p.line}:${p.col} ${p.rule} ${p.message}`;

/**
 * The load in the log: each finding at its own level (an info note is not a
 * warning). On reload, notes the previous load already logged are only
 * counted, so a note does not come back at every SIGHUP; warnings and
 * errors are logged every time (they say why a zone is not loaded).
 */
function logLoad(log: Logger, r: LoadResult, previous?: LoadResult): void {
  for (const z of r.zones) {
    log.info({ zone: nameToText(z.zone.origin), file: z.file, serial: z.model.soa.serial, records: z.zone.recordCount, ms: Number(z.millis.toFixed(1)) }, 'zone loaded');
  }
  const before = new Set(previous?.problems.map(findingKey));
  let unchanged = 0;
  for (const p of sortProblems(r.problems)) {
    if (p.severity === 'info' && before.has(findingKey(p))) { unchanged++; continue; }
    const entry = { file: p.file, line: p.line, col: p.col, rule: p.rule, hint: p.hint };
    if (p.severity === 'error') log.error(entry, p.message);
    else if (p.severity === 'warning') log.warn(entry, p.message);
    else log.info(entry, p.message);
  }
  if (unchanged) log.info({ notes: unchanged }, 'notes unchanged since the last load');
  for (const f of r.failed) log.error({ file: f }, 'zone not loaded');
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      listen: { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      'hide-version': { type: 'boolean' },
      'tcp-idle-timeout': { type: 'string' },
      'tcp-max-connections': { type: 'string' },
      identity: { type: 'string' },
      zone: { type: 'string' },
      annotate: { type: 'boolean' },
      origin: { type: 'string' },
      'mta-sts': { type: 'string' },
      selector: { type: 'string' },
      type: { type: 'string' },
      bits: { type: 'string' },
      dir: { type: 'string' },
      'private-dir': { type: 'string' },
      'zone-dir': { type: 'string' },
      force: { type: 'boolean' },
      format: { type: 'string' },
      strict: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const dirs = positionals.length ? positionals : ['zones'];
  switch (verb) {
    case 'serve':
      return serve(dirs, values);
    case 'check': {
      const r = loadZones(dirs);
      const errors = r.problems.filter((p) => p.severity === 'error').length;
      const warnings = r.problems.filter((p) => p.severity === 'warning').length;
      const failing = errors > 0 || (values.strict === true && warnings > 0);
      if (values.format === 'json') {
        console.log(JSON.stringify({
          ok: !failing,
          zones: r.zones.map((z) => ({ zone: nameToText(z.zone.origin), file: z.file, records: z.zone.recordCount, ...(z.artifacts.isp ? { isp: z.artifacts.isp } : {}) })),
          failed: r.failed,
          problems: r.problems,
          silenced: r.silenced.map((x) => ({ ...x.problem, reason: x.reason })),
        }, null, 2));
        return failing ? 1 : 0;
      }
      if (values.format !== undefined && values.format !== 'text') { console.error('--format is text or json'); return 2; }
      report(r.problems, (s) => console.log(s));
      if (values.verbose) {
        for (const x of r.silenced) console.log(`${formatProblem(x.problem)}\n    silenced by lint.ignore: ${x.reason}`);
      }
      for (const z of r.zones) {
        if (!z.artifacts.isp?.length) continue;
        console.log(`\n${nameToText(z.zone.origin)}: ask the ISP to publish in its zone${z.artifacts.isp.some((l) => l.includes('CNAME')) ? ' (RFC 2317)' : ''}:`);
        for (const l of z.artifacts.isp) console.log(`    ${l}`);
      }
      console.log(`\n${r.zones.length} zone(s) ok, ${r.failed.length} file(s) with errors; ${errors} error(s), ${warnings} warning(s), ${r.problems.length - errors - warnings} note(s)${r.silenced.length ? `, ${r.silenced.length} silenced (--verbose shows them)` : ''}`);
      return failing ? 1 : 0;
    }
    case 'export': {
      const r = loadZones(dirs);
      report(r.problems, (s) => console.error(s));
      if (r.problems.some((p) => p.severity === 'error')) return 1;
      if (values['mta-sts'] !== undefined) {
        const z = r.zones.find((x) => nameToText(x.zone.origin) === values['mta-sts']!.toLowerCase().replace(/\.?$/, '.'));
        if (!z?.artifacts.mtaStsPolicy) { console.error(`no zone ${values['mta-sts']} with mail.mta_sts`); return 1; }
        // Serve this at https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.3).
        process.stdout.write(z.artifacts.mtaStsPolicy);
        return 0;
      }
      const want = values.zone?.toLowerCase().replace(/\.?$/, '.');
      for (const z of r.zones) {
        if (want && nameToText(z.zone.origin) !== want) continue;
        process.stdout.write(exportZone(z.zone, { annotate: values.annotate }));
      }
      return 0;
    }
    case 'explain': {
      const r = loadZones(positionals.length > 1 ? positionals.slice(1) : ['zones']);
      report(r.problems, (s) => console.error(s));
      const want = positionals[0]?.toLowerCase().replace(/\.?$/, '.');
      const zones = r.zones.filter((z) => !want || nameToText(z.zone.origin) === want);
      if (!zones.length) { console.error(`no zone ${positionals[0] ?? ''} loaded`); return 1; }
      for (const z of zones) process.stdout.write(explainZone(z.zone));
      return 0;
    }
    case 'dkim': {
      if (positionals[0] !== 'keygen' || !values.zone || !values.selector) {
        console.error('usage: mailns dkim keygen --zone DOMAIN --selector NAME [--type rsa|ed25519] [--bits 2048] [--zone-dir zones] [--dir ZONE_DIR/keys] [--private-dir keys.private]');
        return 2;
      }
      const type = (values.type ?? 'rsa') as 'rsa' | 'ed25519';
      if (type !== 'rsa' && type !== 'ed25519') { console.error('--type is rsa or ed25519'); return 2; }
      const k = keygen({
        zone: values.zone, selector: values.selector, type, bits: Number(values.bits ?? 2048),
        zoneDir: values['zone-dir'] ?? 'zones', dir: values.dir ?? join(values['zone-dir'] ?? 'zones', 'keys'), privateDir: values['private-dir'] ?? 'keys.private', force: values.force,
      });
      console.log(`private key (for the mail server, mode 0600): ${k.privatePath}`);
      console.log(`public key (for the zone): ${k.publicPath}`);
      console.log(`\nadd to the zone file of ${values.zone} (key_file is relative to the zone file):\n\n${k.yaml}`);
      console.log(`it publishes ${values.selector}._domainkey.${values.zone.replace(/\.$/, '')} TXT "${k.record.slice(0, 60)}..."`);
      return 0;
    }
    case 'import': {
      const file = positionals[0];
      if (!file) { console.error(USAGE); return 2; }
      return runImport(file, values.origin);
    }
    case undefined: case 'help': case '--help': case '-h':
      console.log(USAGE);
      return verb ? 0 : 2;
    default:
      console.error(`unknown command "${verb}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exitCode = code; },
  (err: unknown) => { console.error(err instanceof Error ? err.message : err); process.exitCode = 2; },
);
