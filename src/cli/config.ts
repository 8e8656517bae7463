/**
 * `--config FILE` for serve, check, export and diff: the file's settings
 * (src/config/server.ts) with the command line over them. A flag given
 * overrides its key, a repeatable flag replaces the key's whole list, and
 * DIR|FILE arguments replace `zones:`; so `check --config F` certifies and
 * `export --config F` prints exactly what `serve --config F` would serve.
 */
import { CONFIG_FLAGS, readServerConfig, type ServerConfig } from '../config/server.js';
import { readKeyFile } from '../config/tsig-keys.js';
import type { ZoneModel } from '../config/model.js';
import { lowerName, nameKey, parseZoneName, type Name } from '../util/name.js';
import { problem, type Problem } from '../util/problem.js';
import { UsageError } from './usage-error.js';

export interface Settings {
  /** The zone files and directories to load. */
  dirs: string[];
  /** Flag values: the file's, then the command line's over them. */
  values: Record<string, unknown>;
  config?: ServerConfig;
  /** A setting as a message names it: `--catalog` when it is a flag, `FILE:LINE:COL: catalog` when it comes from the file. */
  label(flag: string): string;
}

/** The settings of a verb run with `flags` and `positionals` (DIR|FILE ...); reads the configuration file when --config names one. */
export function settings(positionals: readonly string[], flags: Readonly<Record<string, unknown>>): Settings {
  const file = flags.config as string | undefined;
  const given = Object.fromEntries(Object.entries(flags).filter(([k, v]) => v !== undefined && k !== 'config'));
  if (file === undefined) return { dirs: positionals.length ? [...positionals] : ['zones'], values: given, label: (f) => `--${f}` };
  const config = readServerConfig(file);
  const label = (flag: string) => {
    const entry = CONFIG_FLAGS.find((c) => c.flag === flag);
    if (flag in given || !entry || !(flag in config.values)) return `--${flag}`;
    const at = config.at(entry.key);
    return `${at.file}:${at.line}:${at.col}: ${entry.key.join('.')}`;
  };
  return { dirs: positionals.length ? [...positionals] : config.zones, values: { ...config.values, ...given }, config, label };
}

/** The errors of the configuration file (none without one). */
export const configErrors = (s: Settings): Problem[] => (s.config?.problems ?? []).filter((p) => p.severity === 'error');

/** A finding in one line, for serve's stderr (as its flag mistakes are). */
export function oneLine(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.severity} [${p.rule}] ${p.message}${p.hint ? ` (hint: ${p.hint})` : ''}`;
}

/**
 * The loader's catalog findings (a name that collides with a zone) placed
 * where the name is written: at `catalog:` in the configuration file when
 * it comes from there; a --catalog flag has no place but its own.
 */
export function placeCatalogFindings(problems: Problem[], s: Settings): Problem[] {
  const config = s.config;
  if (!config || !('catalog' in config.values) || s.label('catalog') === '--catalog') return problems;
  return problems.map((p) => (p.rule === 'catalog-collision'
    ? { ...p, ...config.at(['catalog']), hint: 'give catalog: a name outside every zone served, e.g. catalog.invalid.' }
    : p));
}

/** --catalog NAME (or catalog:): an absolute zone name (a trailing dot optional, as in zone:), lower-cased; a mistake is a UsageError. */
export function catalogName(text: unknown, label = '--catalog'): Name | undefined {
  if (typeof text !== 'string') return undefined;
  let name: Name;
  try { name = lowerName(parseZoneName(text)); } catch (e) { throw new UsageError(`${label} ${text}: ${(e as Error).message}`); }
  if (!name.length) throw new UsageError(`${label} ${text}: the root cannot be a catalog; e.g. catalog.invalid.`);
  return name;
}

/**
 * For check --config: the key names zone files give in transfer: and notify:
 * that no tsig-keys file of the configuration holds, as warnings at their
 * place (serve would never allow that key's transfers, and sends no NOTIFY
 * it cannot sign). Without a configuration file check knows no keys: none.
 */
export function unknownZoneKeys(models: readonly ZoneModel[], s: Settings): Problem[] {
  if (!s.config || configErrors(s).length) return [];
  const keys = new Set(((s.values['tsig-key'] as string[] | undefined) ?? []).flatMap((f) => readKeyFile(f).keys.map((k) => nameKey(k.name))));
  const out: Problem[] = [];
  const hint = `the keys of the tsig-keys files: ${[...keys].join(', ') || 'none'}`;
  for (const m of new Set(models)) {
    m.transfer?.keys.forEach((k, i) => {
      if (!keys.has(k)) out.push(problem(m.at(['transfer', 'keys', i]), 'tsig-key-unknown', `transfer: key ${k} is in none of the tsig-keys files of ${s.config!.file}: no transfer can be signed with it`, hint, 'warning'));
    });
    const k = m.notify?.key;
    if (k !== undefined && !keys.has(k)) out.push(problem(m.at(['notify', 'key']), 'tsig-key-unknown', `notify: key ${k} is in none of the tsig-keys files of ${s.config!.file}: these zones would not be notified`, hint, 'warning'));
  }
  return out;
}
