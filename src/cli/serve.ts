/**
 * `mailns serve`: load, listen, reload on SIGHUP (and with --watch when
 * the files change), stop on SIGTERM/SIGINT.
 * Problems at start-up are one line on stderr (exit 1 or 2), not a stack
 * trace; the running server logs JSON lines (pino).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseSocket } from '../util/socket.js';
import { pino, type Logger } from 'pino';
import { loadZonesInSlices, type LoadResult } from '../server/load.js';
import { ParsePool } from '../config/parse-pool.js';
import { DnsServer, type ListenAddress } from '../server/server.js';
import type { ServerMetrics } from '../server/metrics.js';
import { DEFAULT_RRL, type RrlSettings } from '../server/rrl.js';
import { parseCidr } from '../wire/address.js';
import { accountOf, become, checkCanBecome } from './privileges.js';
import type { Server as HttpServer } from 'node:http';
import { sortProblems, type Problem } from '../util/problem.js';
import { nameKey, nameToText } from '../util/name.js';
import { catalogName } from './config.js';
import { UsageError } from './usage-error.js';
import { SerialState, stateDirectory } from '../server/state.js';
import { logReload, ReloadQueue } from '../server/reload.js';
import { watchTargets, ZoneWatcher } from '../server/watch.js';
import { Notifier } from '../server/notify.js';
import { DEFAULT_JOURNAL_LIMITS, Journals, type JournalLimits } from '../server/journal.js';
import { parseDuration } from '../util/ttl.js';
import { parseSize } from '../util/size.js';
import { DURATION_EXPECTED, SIZE_EXPECTED } from '../config/server.js';
import { notifySettings, transferSettings, unknownTransferKeys } from './tsig.js';


const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Where `serve` listens, and so where `probe` asks, unless told otherwise. */
export const DEFAULT_LISTEN = '127.0.0.1:5353';

/** ADDRESS:PORT or [IPv6]:PORT, for --listen and the other flags that name a socket (`port`: the one the example shows). */
export function parseListen(s: string, flag = '--listen', port = 5353): ListenAddress {
  const r = parseSocket(s, port);
  if ('error' in r) throw new UsageError(`${flag} ${s}: ${r.error}`);
  return r;
}

/** Why a listener could not start, in one line (the socket error's code, its address, UDP or TCP). */
function listenFailure(err: unknown, what = ''): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  const where = e.address !== undefined ? fmtAddr({ address: e.address, port: e.port ?? 0 }) : 'the address';
  const proto = what || (e.syscall === 'bind' ? 'UDP' : 'TCP');
  if (e.code === 'EADDRINUSE') return `${where} is in use (${proto})`;
  if (e.code === 'EACCES') return `${where}: permission denied (${proto}); ${privilegedPorts()}`;
  if (e.code === 'EADDRNOTAVAIL') return `${where}: no such address on this host (${proto})`;
  return `${where}: ${e.message ?? String(err)}`;
}

/**
 * Why a port below 1024 was refused: the kernel lets a process without
 * CAP_NET_BIND_SERVICE bind only from net.ipv4.ip_unprivileged_port_start up,
 * a per-network-namespace sysctl (Docker and Podman set it to 0 in a
 * container's own network, not with --network=host).
 */
function privilegedPorts(): string {
  let start = '1024';
  try { start = readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim(); } catch { /* not Linux: the classic 1024 */ }
  return `ports below ${start} need CAP_NET_BIND_SERVICE (net.ipv4.ip_unprivileged_port_start is ${start} here)`;
}

export interface ServeOptions {
  /** How a message names a setting: `--catalog`, or where the configuration file writes it. */
  label?: (flag: string) => string;
  /** The configuration file's warnings, for the log. */
  warnings?: readonly Problem[];
}

export async function serve(dirs: string[], values: Record<string, unknown>, version: string, opts: ServeOptions = {}): Promise<number> {
  const label = opts.label ?? ((flag: string) => `--${flag}`);
  // Every flag is checked before anything is loaded or bound.
  const level = (values['log-level'] as string | undefined) ?? process.env.LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level ${level}: one of ${LEVELS.join(', ')}`);
  const listen = ((values.listen as string[] | undefined) ?? [DEFAULT_LISTEN]).map((s) => parseListen(s));
  const metricsAt = values.metrics !== undefined ? parseListen(values.metrics as string, '--metrics', 9153) : undefined;
  const tcp = {
    ...(values['tcp-idle-timeout'] !== undefined ? { idleTimeoutMs: positive(values['tcp-idle-timeout'], '--tcp-idle-timeout') * 1000 } : {}),
    ...(values['tcp-max-connections'] !== undefined ? { maxConnections: positive(values['tcp-max-connections'], '--tcp-max-connections') } : {}),
    ...(values['tcp-io-timeout'] !== undefined ? { ioTimeoutMs: positive(values['tcp-io-timeout'], '--tcp-io-timeout') * 1000 } : {}),
    ...(values['tcp-max-per-client'] !== undefined ? { maxPerClient: positive(values['tcp-max-per-client'], '--tcp-max-per-client') } : {}),
  };
  const rrl = rrlSettings(values, label);
  const account = values.user !== undefined ? accountOf(values.user as string, label('user')) : undefined;
  if (account) checkCanBecome(account, label('user'));
  const xfr = transferSettings(values);
  const notifyTo = notifySettings(values, xfr.keys);
  const catalogZone = catalogName(values.catalog, label('catalog'));
  const journalLimits = journalSettings(values, label);
  // JSON lines for machines (journald, docker logs, a pipe); readable lines on a terminal.
  const format = (values['log-format'] as string | undefined) ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format !== 'json' && format !== 'pretty') throw new UsageError(`--log-format ${format}: json or pretty`);
  // What a feature not asked for needs is not loaded (pino-pretty, prom-client: a few hundred files, tens of ms at every start).
  const log: Logger = format === 'json'
    ? pino({ level, base: { pid: process.pid } })
    : pino({ level, base: { pid: process.pid } }, (await import('pino-pretty')).default({ colorize: process.stdout.isTTY === true, sync: true, singleLine: true, ignore: 'pid,hostname', translateTime: 'SYS:standard' }));
  for (const w of [...(opts.warnings ?? []), ...xfr.warnings]) log.warn({ file: w.file, line: w.line, col: w.col, rule: w.rule, hint: w.hint }, w.message);
  const metricsModule = metricsAt ? await import('../server/metrics.js') : undefined;
  const metrics: ServerMetrics | undefined = metricsModule ? new metricsModule.ServerMetrics() : undefined;
  let http: HttpServer | undefined;
  let serving = false;
  // Signals first: a SIGHUP during the initial load (which can take seconds)
  // must not kill the process; it asks for one reload once start completes.
  let server: DnsServer | undefined;
  let watcher: ZoneWatcher | undefined;
  let notifier: Notifier | undefined;
  const reloads = new ReloadQueue(() => reload(), (err) => { metrics?.reloaded('failed'); log.error({ err }, 'reload failed; serving the previous zones'); }, (n) => log.debug({ reloads: n }, 'reloads done'));
  const onHup = () => reloads.request();
  process.on('SIGHUP', onHup);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    reloads.stop();
    watcher?.close();
    notifier?.close();
    serving = false;
    http?.closeAllConnections();
    http?.close();
    // Stop accepting, let TCP answers already written reach their clients, then close what is left.
    await server?.stop(STOP_GRACE_MS);
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const t0 = performance.now();
  const stateDir = stateDirectory(values['state-dir'] as string | undefined);
  const read = SerialState.read(stateDir);
  if (read.warning) log.warn({ stateDir }, read.warning);
  const state = read.state;
  /** Records the serials about to be published (before they are: a restart never goes below what a secondary saw). */
  const record = (r: LoadResult) => {
    const failure = state.record(r.zones.map((z) => [nameKey(z.zone.origin), { serial: z.serial, digest: z.digest }]));
    if (failure) log.warn({ stateDir, err: failure }, 'state directory not writable: serials are kept in memory only, and a restart may publish lower ones');
  };
  log.debug({ paths: dirs, stateDir }, 'loading');
  // Zone files are parsed on a worker thread, ahead of the modelling here (and on reload, off this thread).
  // At start this thread parses too whenever the worker is behind, and takes a turn of the event loop
  // every 10 ms to read the worker's answers and hand it the next files.
  const pool = new ParsePool();
  let loaded = await loadZonesInSlices(dirs, { serials: state.seen, catalogZone, pool, parseHere: true }, START_SLICE_MS).finally(() => pool.close());
  // The catalog's name is the operator's choice: one that collides with a zone is a command-line mistake.
  const clash = loaded.problems.find((p) => p.rule === 'catalog-collision');
  if (clash) throw new UsageError(`${label('catalog')} ${values.catalog as string}: ${clash.message.replace(/: the catalog is not served$/, '')}`);
  if (loaded.zones.length === 0 && loaded.failed.length === 0) {
    // No zone file at all (a directory missing or empty, e.g. a container started without its zones
    // mounted): one line and exit 1, rather than a server that answers REFUSED to everything.
    const why = loaded.problems.filter((p) => p.severity === 'error').map((p) => p.message);
    console.error(`mailns serve: ${why.length ? why.join('; ') : `no zone in ${dirs.join(' ')}`}; nothing to serve`);
    return 1;
  }
  logLoad(log, loaded);
  for (const u of unknownTransferKeys(loaded.zones, xfr.keys)) log.warn(u, 'transfer: names keys that no --tsig-key file holds');
  if (loaded.zones.length === 0) {
    console.error(`mailns serve: no zone loaded: ${loaded.failed.length} zone file(s) with errors (logged above); nothing to serve`);
    return 1;
  }
  record(loaded);
  const journals = new Journals(stateDir, journalLimits, log);
  journals.started(loaded.zones);
  server = new DnsServer(loaded.catalog, {
    listen,
    tcp,
    rrl,
    metrics,
    keys: xfr.keys,
    transfer: xfr.transfer,
    journal: journals.lookup,
    chaos: {
      version: values['hide-version'] ? false : `mailns ${version}`,
      identity: values['hide-version'] ? false : ((values.identity as string | undefined) ?? hostname()),
    },
  }, log);
  try {
    await server.start();
    if (metrics && metricsAt && metricsModule) http = await metricsModule.listenMetrics(metricsAt.host, metricsAt.port, metrics, () => serving);
  } catch (err) {
    await server.stop();
    console.error(`mailns serve: ${listenFailure(err, metricsAt && !http && server.bound.udp.length === listen.length ? 'HTTP, --metrics' : '')}`);
    return 1;
  }
  // The ports are bound: the rest runs as --user, if given.
  const refused = account ? become(account, stateDir) : undefined;
  if (refused) {
    await server.stop();
    http?.close();
    console.error(`mailns serve: ${label('user')} ${account!.name}: ${refused}`);
    return 1;
  }
  serving = true;
  const running = server;
  log.info({ udp: running.bound.udp.map(fmtAddr), tcp: running.bound.tcp.map(fmtAddr), zones: loaded.zones.length, ...(account ? { user: account.name } : {}), ms: Math.round(performance.now() - t0) }, 'started');
  // Always: a zone file's notify: has targets of its own even when the server has none.
  notifier = new Notifier({ ...notifyTo, keys: xfr.keys, onOutcome: (o) => metrics?.notified(o) }, log);
  notifier.loaded([], loaded.zones);

  const reload = async () => {
    const r0 = performance.now();
    // A file that fails keeps the last good copy of all its zones, so one typo takes nothing down; the
    // loader certifies the fresh zones over exactly the set that will be served. It works in slices of
    // a few ms, so answers go on from the current snapshot meanwhile; the new one replaces it in one
    // reference (setCatalog) when it is whole.
    const next = await loadZonesInSlices(dirs, { previous: loaded, serials: state.seen, catalogZone, pool }).finally(() => pool.close());
    const previous = loaded;
    loaded = { ...next, zones: [...next.zones, ...next.kept], kept: [] };
    record(next);
    running.setCatalog(loaded.catalog);
    // What follows is the log and the notifications: each its own turn of the event loop, between answers.
    await turn();
    logLoad(log, next, previous);
    // The journal before the NOTIFYs: a secondary told of the new serial asks for its change at once.
    await journals.loaded(previous.zones, loaded.zones);
    metrics?.reloaded(next.kept.length ? 'partial' : 'ok');
    logReload(log, previous.zones, next, performance.now() - r0);
    await turn();
    notifier?.loaded(previous.zones, loaded.zones);
    watcher?.watch(watchTargets(dirs, loaded));
  };
  if (values.watch) {
    watcher = new ZoneWatcher(() => reloads.request(), log);
    watcher.watch(watchTargets(dirs, loaded));
  }
  reloads.start();
  return -1; // keep running
}

const turn = () => new Promise<void>((ok) => setImmediate(ok));

/** The first load's slices: nothing is answered yet, so they are long; the turns between serve the parse workers. */
const START_SLICE_MS = 10;

/** How long SIGTERM waits for TCP clients to take their last answers before closing their connections. */
const STOP_GRACE_MS = 5000;

/** --ixfr-journal-max-size BYTES (or with a suffix: 512k, 4M, 1G; powers of 1024) and --ixfr-journal-max-age DURATION (7d, 12h). */
function journalSettings(values: Record<string, unknown>, label: (flag: string) => string): JournalLimits {
  const limits = { ...DEFAULT_JOURNAL_LIMITS };
  const size = values['ixfr-journal-max-size'] as string | undefined;
  if (size !== undefined) {
    const octets = parseSize(size);
    if (octets === undefined) throw new UsageError(`${label('ixfr-journal-max-size')} ${size}: ${SIZE_EXPECTED}`);
    limits.maxBytes = octets;
  }
  const age = values['ixfr-journal-max-age'] as string | undefined;
  if (age !== undefined) {
    const seconds = parseDuration(age);
    if (seconds === undefined) throw new UsageError(`${label('ixfr-journal-max-age')} ${age}: ${DURATION_EXPECTED}`);
    limits.maxAgeMs = seconds * 1000;
  }
  return limits;
}

/** --rrl-rate N (responses a second per bucket, 0: off), --rrl-slip N, --rrl-exempt CIDR: NSD's defaults unless told. */
function rrlSettings(values: Record<string, unknown>, label: (flag: string) => string): RrlSettings {
  const whole = (flag: string, fallback: number) => {
    const v = values[flag];
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${label(flag)} ${String(v)}: expected a whole number, 0 or more`);
    return n;
  };
  const exempt = (values['rrl-exempt'] as string[] | undefined) ?? [];
  for (const e of exempt) {
    const c = parseCidr(e);
    if ('error' in c) throw new UsageError(`${label('rrl-exempt')} ${c.error}`);
  }
  return { rate: whole('rrl-rate', DEFAULT_RRL.rate), slip: whole('rrl-slip', DEFAULT_RRL.slip), exempt };
}

function positive(v: unknown, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} ${String(v)}: expected a positive whole number`);
  return n;
}

function fmtAddr(a: { address: string; port: number }): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

const findingKey = (p: Problem) => `${p.file}:${p.line}:${p.col} ${p.rule} ${p.message}`;

/**
 * The load in the log: a line per zone loaded, and each finding at its own
 * level (an info note is not a warning). On reload, the zones that did not
 * change and the notes the previous load already logged are only counted,
 * so they do not come back at every SIGHUP; warnings and errors are logged
 * every time (they say why a zone is not loaded).
 */
function logLoad(log: Logger, r: LoadResult, previous?: LoadResult): void {
  // On reload, a zone whose content did not change is only counted (in the reloaded line): a
  // thousand zones make no thousand lines at every SIGHUP.
  const same = new Set(previous?.zones.map((z) => `${nameKey(z.zone.origin)} ${z.serial} ${z.digest}`));
  for (const z of r.zones) {
    if (same.has(`${nameKey(z.zone.origin)} ${z.serial} ${z.digest}`)) continue;
    log.info({ zone: nameToText(z.zone.origin), file: z.file, serial: z.serial, records: z.zone.recordCount, ms: Number(z.millis.toFixed(1)) }, 'zone loaded');
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

