/**
 * The verbs' command lines: each verb has its own usage and accepts only its
 * own flags (POSIX/GNU conventions: `--help`/`-h` prints the verb's usage on
 * stdout and exits 0 doing nothing else; an unknown flag or a missing value
 * is a usage error, exit 2, with the verb's usage on stderr). A flag given
 * replaces its default; repeatable flags (`--listen`) collect.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Verb {
  /** 'serve', or 'dkim keygen' for a verb with a sub-verb. */
  name: string;
  usage: string;
  options: Options;
  /** How many positionals it takes at most (undefined: any number). */
  maxPositionals?: number;
  minPositionals?: number;
}

const DIRS = '[DIR|FILE ...]';

export const VERBS: readonly Verb[] = [
  {
    name: 'serve',
    usage: `mailns serve ${DIRS} [--config FILE] [--listen HOST:PORT ...] [--log-level LEVEL] [--log-format json|pretty]
             [--hide-version] [--identity TEXT] [--tcp-idle-timeout SECONDS] [--tcp-io-timeout SECONDS]
             [--tcp-max-connections N] [--tcp-max-per-client N] [--rrl-rate N] [--rrl-slip N] [--rrl-exempt CIDR ...]
             [--metrics HOST:PORT] [--tsig-key FILE ...] [--allow-transfer CIDR ...] [--allow-transfer-key NAME ...]
             [--notify ADDRESS[@PORT] ...] [--notify-key NAME] [--state-dir DIR] [--watch]
             [--catalog NAME] [--ixfr-journal-max-size BYTES] [--ixfr-journal-max-age DURATION] [--user NAME]
  Serves the zones in DIR (default ./zones) over UDP and TCP. --listen may be
  repeated ([::1]:5353 for IPv6); the default is 127.0.0.1:5353. LEVEL is one of
  fatal, error, warn, info (default), debug, trace, silent. Logs are JSON lines,
  or readable lines when stdout is a terminal (--log-format chooses). SIGHUP
  reloads; --watch reloads when a zone file, a key file it names, or the
  directory changes. The last serial of each zone is kept in the state
  directory (default $STATE_DIRECTORY, else ./state), so serial: auto moves
  only when the content does. Zone transfers (AXFR over TCP) are refused unless a zone's
  transfer: allows them, or, for zones without one, --allow-transfer (client
  addresses) and --allow-transfer-key (TSIG keys; with both, a request needs
  both). --tsig-key reads TSIG keys from a file (mailns tsig keygen writes one).
  --notify sends a NOTIFY (UDP, port 53 unless @PORT) for each zone whose
  serial changed, after the start and every reload, signed with the
  --tsig-key key --notify-key names.
  --catalog serves a catalog zone NAME (RFC 9432 version 2, e.g.
  catalog.invalid.) listing every zone served, for secondaries that consume
  catalogs; it is transferred and notified like any zone.
  IXFR (RFC 1995) is answered from a journal of each zone's changes in the
  state directory, at most --ixfr-journal-max-size (default 4M; 0: none) and
  --ixfr-journal-max-age (default 7d) per zone; beyond, the whole zone.
  --metrics serves Prometheus metrics at http://HOST:PORT/metrics and
  /health (200 while serving); nothing listens for them unless given.
  --config reads these settings from a YAML file (docs/configuration.md); a
  flag given overrides the file's key, DIR|FILE its zones:.`,
    options: {
      config: { type: 'string' },
      listen: { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'hide-version': { type: 'boolean' },
      identity: { type: 'string' },
      'tcp-idle-timeout': { type: 'string' },
      'tcp-max-connections': { type: 'string' },
      'tcp-io-timeout': { type: 'string' },
      'tcp-max-per-client': { type: 'string' },
      'rrl-rate': { type: 'string' },
      'rrl-slip': { type: 'string' },
      'rrl-exempt': { type: 'string', multiple: true },
      metrics: { type: 'string' },
      'tsig-key': { type: 'string', multiple: true },
      'allow-transfer': { type: 'string', multiple: true },
      'allow-transfer-key': { type: 'string', multiple: true },
      notify: { type: 'string', multiple: true },
      'notify-key': { type: 'string' },
      'state-dir': { type: 'string' },
      watch: { type: 'boolean' },
      user: { type: 'string' },
      catalog: { type: 'string' },
      'ixfr-journal-max-size': { type: 'string' },
      'ixfr-journal-max-age': { type: 'string' },
    },
  },
  {
    name: 'check',
    usage: `mailns check ${DIRS} [--config FILE] [--format text|json] [--strict] [--verbose] [--state-dir DIR] [--catalog NAME]
  Validates and lints every zone (and the catalog zone NAME, as serve would
  serve it), and with --config the server configuration file too. Findings go
  to stdout; exit 1 on errors (--strict: on warnings too), 0 otherwise. For
  each reverse zone, one line says what to ask the ISP for; --verbose lists the
  records to paste, and what lint.ignore silenced, with the reason. Serials are
  the ones serve would publish with the state directory DIR (read, never
  written; default as serve's).`,
    options: { config: { type: 'string' }, format: { type: 'string' }, strict: { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, 'state-dir': { type: 'string' }, catalog: { type: 'string' } },
  },
  {
    name: 'export',
    usage: `mailns export ${DIRS} [--config FILE] [--zone NAME] [--annotate] [--state-dir DIR] [--catalog NAME]
mailns export ${DIRS} --mta-sts DOMAIN
  Prints RFC 1035 zone files on stdout (--annotate: the file:line and helper of
  each record in a comment), or the MTA-STS policy file to serve over HTTPS.
  Findings go to stderr; exit 1 when a zone has errors or --zone names no zone,
  2 when the --config file has errors. The SOA serial is the one serve would
  publish with the state directory DIR; --catalog NAME adds the catalog zone.`,
    options: { config: { type: 'string' }, zone: { type: 'string' }, annotate: { type: 'boolean' }, 'mta-sts': { type: 'string' }, 'state-dir': { type: 'string' }, catalog: { type: 'string' } },
  },
  {
    name: 'diff',
    usage: `mailns diff OLD NEW [--config FILE] [--format text|json] [--state-dir DIR] [--catalog NAME]
mailns diff --git REV ${DIRS} [--config FILE] [--format text|json] [--state-dir DIR] [--catalog NAME]
  What would change in the published records, zone by zone: the records of
  OLD not in NEW (-) and of NEW not in OLD (+), as export prints them. OLD and
  NEW are each a directory or a zone file; --git REV compares the paths at that
  git revision with the working tree. The SOA serial alone is not a change (a
  note says so); each side's serial is the one serve would publish with the
  state directory DIR; with --catalog (or the --config file's catalog:) each
  side has the catalog zone too. Exit 0: no change; 1: changes; 2: usage error,
  a bad REV, a --config file with errors, or a side with errors (its findings
  on stderr; nothing is compared).`,
    options: { config: { type: 'string' }, git: { type: 'string' }, format: { type: 'string' }, 'state-dir': { type: 'string' }, catalog: { type: 'string' } },
  },
  {
    name: 'explain',
    usage: `mailns explain DOMAIN ${DIRS} [--state-dir DIR]
  Every record of the zone DOMAIN with the file:line and helper that made it.`,
    options: { 'state-dir': { type: 'string' } },
    minPositionals: 1,
  },
  {
    name: 'import',
    usage: `mailns import FILE.zone [--origin NAME]
  A BIND/NSD zone file as mailns YAML on stdout; what cannot be carried over is
  reported on stderr. Exit 0: all carried over; 1: some records were not; 2: usage
  error, or the file cannot be read.`,
    options: { origin: { type: 'string' } },
    minPositionals: 1,
    maxPositionals: 1,
  },
  {
    name: 'probe',
    usage: `mailns probe ${DIRS} [--zone NAME] [--server HOST:PORT] [--timeout SECONDS]
  Health check: asks the server at HOST:PORT (default 127.0.0.1:5353, serve's
  default) over UDP for the SOA of zone NAME, or of the first zone file in DIR
  (its zone: is read, nothing is validated). Exit 0 on an authoritative NOERROR
  answer with the SOA, 1 otherwise with one line saying why (timeout: 2 s).`,
    options: { zone: { type: 'string' }, server: { type: 'string' }, timeout: { type: 'string' } },
  },
  {
    name: 'dkim keygen',
    usage: `mailns dkim keygen --zone DOMAIN --selector NAME [--type rsa|ed25519] [--bits 2048]
                   [--zone-dir zones] [--dir ZONE_DIR/keys] [--private-dir keys.private] [--force]
  Writes a DKIM key pair: the private key (mode 0600) for the mail server, the
  public key for the zone, and prints the YAML lines to add.`,
    options: {
      zone: { type: 'string' }, selector: { type: 'string' }, type: { type: 'string' }, bits: { type: 'string' },
      'zone-dir': { type: 'string' }, dir: { type: 'string' }, 'private-dir': { type: 'string' }, force: { type: 'boolean' },
    },
    maxPositionals: 0,
  },
  {
    name: 'tsig keygen',
    usage: `mailns tsig keygen NAME [--algorithm hmac-sha256|hmac-sha384|hmac-sha512|hmac-sha1]
                   [--dir keys.private] [--primary ADDRESS[@PORT]] [--zone DOMAIN] [--force]
  Writes a TSIG key (RFC 8945) to DIR/NAME.key (mode 0600), for serve --tsig-key,
  and prints the lines that make NSD, Knot or BIND a secondary of ours with it
  (the primary at ADDRESS, for the zone DOMAIN). An existing file is kept (exit 2)
  unless --force.`,
    options: { algorithm: { type: 'string' }, dir: { type: 'string' }, primary: { type: 'string' }, zone: { type: 'string' }, force: { type: 'boolean' } },
    minPositionals: 1,
    maxPositionals: 1,
  },
  {
    name: 'init',
    usage: `mailns init DOMAIN --mail-ip ADDR [--mail-ipv6 ADDR] [--mail-host mail] [--ns NAME ...] [--report EMAIL]
            [--zone-dir zones] [--private-dir keys.private] [--force]
  Writes a commented starter zone ZONE_DIR/DOMAIN.yaml for a domain whose mail
  server is this host: its addresses, MX, SPF, a new DKIM key, DMARC
  (p=quarantine), client SRV, MTA-STS (testing) and TLS-RPT. The nameserver is
  ns1.DOMAIN on this host unless --ns (repeatable) names them. DMARC and TLS
  reports go to --report (default dmarc-reports@ and tls-reports@DOMAIN). Then
  prints what to set up elsewhere: the PTRs, NS and glue at the registrar, the
  MTA-STS policy. An existing zone file is kept (exit 1) unless --force.`,
    options: {
      'mail-ip': { type: 'string' }, 'mail-ipv6': { type: 'string' }, 'mail-host': { type: 'string' }, ns: { type: 'string', multiple: true },
      report: { type: 'string' }, 'zone-dir': { type: 'string' }, 'private-dir': { type: 'string' }, force: { type: 'boolean' },
    },
    maxPositionals: 1,
  },
];

export type Parsed =
  | { kind: 'run'; verb: Verb; values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }
  | { kind: 'help'; text: string }
  | { kind: 'usage-error'; message: string; usage: string };

/** The verb and its command line; `argv` without the program name. */
export function parseCommandLine(argv: readonly string[], globalUsage: string): Parsed {
  const [first, second, ...more] = argv;
  const grouped = first === 'dkim' || first === 'tsig';
  const sub = grouped ? VERBS.find((v) => v.name === `${first} ${second ?? ''}`) : undefined;
  const verb = sub ?? VERBS.find((v) => v.name === first);
  if (!verb && grouped) {
    if (second === '--help' || second === '-h') return { kind: 'help', text: usageOf(`${first} keygen`) };
    return { kind: 'usage-error', message: second === undefined ? `mailns ${first}: a sub-command is needed` : `mailns ${first}: unknown sub-command "${second}"`, usage: usageOf(`${first} keygen`) };
  }
  if (!verb) return { kind: 'usage-error', message: first === undefined ? 'mailns: a command is needed' : `mailns: unknown command "${first}"`, usage: globalUsage };
  const rest = sub ? more : argv.slice(1);
  // --help/-h anywhere (before a lone --) prints the verb's usage and does nothing else.
  const end = rest.indexOf('--');
  if ((end < 0 ? rest : rest.slice(0, end)).some((a) => a === '--help' || a === '-h')) return { kind: 'help', text: verb.usage };
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options: verb.options, allowPositionals: true, strict: true });
  } catch (e) {
    return { kind: 'usage-error', message: `mailns ${verb.name}: ${cleanMessage((e as Error).message)}`, usage: verb.usage };
  }
  const n = parsed.positionals.length;
  if (verb.minPositionals !== undefined && n < verb.minPositionals) return { kind: 'usage-error', message: `mailns ${verb.name}: missing ${verb.name === 'explain' ? 'DOMAIN' : verb.name === 'tsig keygen' ? 'NAME' : 'FILE'}`, usage: verb.usage };
  if (verb.maxPositionals !== undefined && n > verb.maxPositionals) return { kind: 'usage-error', message: `mailns ${verb.name}: unexpected argument "${parsed.positionals[verb.maxPositionals]}"`, usage: verb.usage };
  return { kind: 'run', verb, values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals };
}

export function usageOf(name: string): string {
  return VERBS.find((v) => v.name === name)!.usage;
}

/** Node's parseArgs messages, without the advice meant for programmers. */
function cleanMessage(m: string): string {
  return m.replace(/\. To specify a positional argument starting with a '-'.*$/s, '').replace(/^Unknown option '(.+)'$/, 'unknown flag $1').replace(/^Option '(.+?)(?: <value>)?' argument missing$/, '$1 needs a value');
}
