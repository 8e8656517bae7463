/**
 * `mailns tsig keygen` (a TSIG key file and the secondary's configuration
 * to match) and the transfer flags of `mailns serve` (--tsig-key,
 * --allow-transfer, --allow-transfer-key) turned into the responder's keys
 * and default policy; --notify and --notify-key into the NOTIFY targets.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatKeyFile, readKeyFile } from '../config/tsig-keys.js';
import { parseCidr } from '../wire/address.js';
import { NameError, nameKey, nameToText, parseZoneName } from '../util/name.js';
import { formatProblem, type Problem } from '../util/problem.js';
import { ALGORITHMS, isAlgorithm, keyring, type Keyring, type TsigKey } from '../wire/tsig.js';
import type { NotifyTarget } from '../server/notify.js';
import { parseNotifyTarget } from '../util/socket.js';
import type { TransferPolicy, Zone } from '../zone/zone.js';
import { UsageError } from './usage-error.js';

export interface TransferSettings {
  keys: Keyring;
  transfer: TransferPolicy;
  /** Warnings for the log (a key file others may read). */
  warnings: Problem[];
}

/** The serve flags; a mistake (a bad CIDR, an unreadable or broken key file) is a UsageError. */
export function transferSettings(values: Record<string, unknown>): TransferSettings {
  const list = (k: string) => (values[k] as string[] | undefined) ?? [];
  const allow = list('allow-transfer').map((a) => {
    const c = parseCidr(a);
    if ('error' in c) throw new UsageError(`--allow-transfer ${c.error}`);
    return c.text;
  });
  const all: TsigKey[] = [];
  const warnings: Problem[] = [];
  for (const f of list('tsig-key')) {
    const r = readKeyFile(f);
    const errors = r.problems.filter((p) => p.severity === 'error');
    if (errors.length) throw new UsageError(`--tsig-key ${f}: ${errors.map(formatProblem).join('; ')}`);
    warnings.push(...r.problems);
    all.push(...r.keys);
  }
  const keys = keyring(all);
  if (keys.size !== all.length) throw new UsageError('--tsig-key: a key name is given twice');
  const allowKeys = list('allow-transfer-key').map((k) => {
    const n = keyName(k, '--allow-transfer-key');
    if (!keys.has(n)) throw new UsageError(`--allow-transfer-key ${k}: no such key in the --tsig-key files`);
    return n;
  });
  return { keys, transfer: { allow, keys: allowKeys }, warnings };
}

/** --notify ADDRESS[@PORT] (repeatable) and --notify-key NAME (one of the --tsig-key keys). */
export function notifySettings(values: Record<string, unknown>, keys: Keyring): { targets: NotifyTarget[]; key?: TsigKey } {
  const targets = ((values.notify as string[] | undefined) ?? []).map((t) => {
    const r = parseNotifyTarget(t);
    if ('error' in r) throw new UsageError(`--notify ${t}: ${r.error}`);
    return r;
  });
  const keyText = values['notify-key'] as string | undefined;
  if (keyText === undefined) return { targets };
  if (!targets.length) throw new UsageError(`--notify-key ${keyText}: no --notify target to sign for`);
  const key = keys.get(keyName(keyText, '--notify-key'));
  if (!key) throw new UsageError(`--notify-key ${keyText}: no such key in the --tsig-key files`);
  return { targets, key };
}

/** Zones whose transfer: names a key no --tsig-key file holds: no request can be signed with it, so say so at start. */
export function unknownTransferKeys(zones: readonly { zone: Zone; file: string }[], keys: Keyring): { zone: string; file: string; keys: string[] }[] {
  return zones.flatMap(({ zone, file }) => {
    const missing = (zone.options.transfer?.keys ?? []).filter((k) => !keys.has(k));
    return missing.length ? [{ zone: nameToText(zone.origin), file, keys: missing }] : [];
  });
}

function keyName(text: string, flag: string): string {
  try { return nameKey(parseZoneName(text)); } catch (e) {
    if (e instanceof NameError) throw new UsageError(`${flag} ${text}: ${e.message}`);
    throw e;
  }
}

export interface KeygenOptions { name: string; algorithm?: string; dir?: string; force?: boolean; primary?: string; zone?: string }

/** Writes DIR/NAME.key (mode 0600) and returns its path and the lines for NSD, Knot and BIND. */
export function tsigKeygen(o: KeygenOptions): { path: string; text: string } {
  const algorithm = o.algorithm ?? 'hmac-sha256';
  if (!isAlgorithm(algorithm)) throw new UsageError(`--algorithm ${algorithm}: one of ${Object.keys(ALGORITHMS).join(', ')}`);
  const name = keyName(o.name, 'NAME');
  // RFC 8945 §6: a key as long as the hash's output.
  const secret = randomBytes(ALGORITHMS[algorithm].size).toString('base64');
  const dir = o.dir ?? 'keys.private';
  const path = join(dir, `${name.replace(/\.$/, '')}.key`);
  if (existsSync(path) && !o.force) throw new UsageError(`${path} exists (--force replaces it)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path, formatKeyFile(name, algorithm, secret), { mode: 0o600 });
  const primary = o.primary ?? '192.0.2.53';
  const [addr, port = '53'] = primary.split('@') as [string, string | undefined];
  const zone = o.zone ? nameKey(parseZoneName(o.zone)) : 'example.com.';
  const text = `key file (mode 0600): ${path}

mailns: mailns serve --tsig-key ${path} --allow-transfer-key ${name}
        (or, per zone, in its file: transfer: {keys: [${name}]})

NSD (nsd.conf) on the secondary:
key:
    name: "${name}"
    algorithm: ${algorithm}
    secret: "${secret}"
zone:
    name: "${zone}"
    request-xfr: AXFR ${addr}@${port} ${name}
    allow-notify: ${addr} ${name}

Knot (knot.conf) on the secondary:
key:
  - id: ${name}
    algorithm: ${algorithm}
    secret: ${secret}
remote:
  - id: mailns
    address: ${addr}@${port}
    key: ${name}
acl:
  - id: mailns-notify
    address: ${addr}
    key: ${name}
    action: notify
zone:
  - domain: ${zone}
    master: mailns
    acl: mailns-notify

BIND (named.conf) on the secondary:
key "${name}" { algorithm ${algorithm}; secret "${secret}"; };
primaries mailns { ${addr} port ${port} key "${name}"; };
zone "${zone}" { type secondary; primaries { mailns; }; file "${zone}db"; };
${o.primary ? '' : `\nReplace ${addr} with the address mailns serves on (or give --primary ADDRESS[@PORT]).\n`}`;
  return { path, text };
}
