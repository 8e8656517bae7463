/**
 * `mailns dkim keygen`: a DKIM key pair for the mail server (private, mode
 * 0600) and for the zone (public), and the YAML lines that publish it.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, dirname, basename } from 'node:path';
import { parseDkimKey, dkimRecordText } from '../synth/mail/index.js';

export interface KeygenOptions {
  zone: string;
  selector: string;
  type: 'rsa' | 'ed25519';
  bits: number;
  /** Where the zone files are: key_file in the YAML is relative to it. */
  zoneDir: string;
  /** Directory for the public key; the private key goes to privateDir. */
  dir: string;
  privateDir: string;
  force?: boolean;
}

export interface Keygen {
  privatePath: string;
  publicPath: string;
  yaml: string;
  record: string;
  /** For stderr: e.g. the private key lies in a git work tree that would commit it. */
  warnings: string[];
}

export function keygen(o: KeygenOptions): Keygen {
  if (!/^[A-Za-z0-9_-]+$/.test(o.selector)) throw new Error(`selector "${o.selector}": letters, digits, "-" and "_" only (RFC 6376 §3.1)`);
  if (o.type === 'rsa' && (o.bits < 1024 || o.bits > 4096)) throw new Error(`--bits ${o.bits}: use 2048 (1024 is the minimum verifiers accept, RFC 8301 §3.2)`);
  const zone = o.zone.replace(/\.$/, '');
  const pair = o.type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: o.bits })
    : generateKeyPairSync('ed25519');
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPath = join(o.dir, zone, `${o.selector}.pub.pem`);
  const privatePath = join(o.privateDir, zone, `${o.selector}.private.pem`);
  for (const p of [publicPath, privatePath]) {
    if (existsSync(p) && !o.force) throw new Error(`${p} exists; choose a new selector (keys are rotated by selector) or pass --force`);
  }
  mkdirSync(dirname(publicPath), { recursive: true, mode: 0o755 });
  mkdirSync(dirname(privatePath), { recursive: true, mode: 0o700 });
  // The mode given to writeFileSync applies only to a new file; --force over an
  // old key, or an old directory, keeps its mode, so set both explicitly.
  chmodSync(dirname(privatePath), 0o700);
  writeFileSync(privatePath, privatePem, { mode: 0o600 });
  chmodSync(privatePath, 0o600);
  writeFileSync(publicPath, publicPem, { mode: 0o644 });
  const parsed = parseDkimKey(publicPem);
  if ('error' in parsed) throw new Error(parsed.error);
  const yaml = `mail:\n  dkim:\n    ${o.selector}: {key_file: ${relative(o.zoneDir, publicPath)}}\n`;
  const tracked = gitWouldTrack(privatePath, o.privateDir);
  return { privatePath, publicPath, yaml, record: dkimRecordText(parsed), warnings: tracked ? [tracked] : [] };
}

/**
 * A warning when `path` lies in a git work tree that does not ignore it: the
 * next `git add .` would commit the private key. Asked of git itself
 * (`git check-ignore`, run in the file's directory), so every .gitignore,
 * .git/info/exclude and core.excludesFile counts; a file git already tracks
 * is not ignored and is warned about too.
 */
export function gitWouldTrack(path: string, dir: string): string | undefined {
  const r = spawnSync('git', ['check-ignore', '-q', basename(path)], { cwd: dirname(path), stdio: 'ignore', timeout: 10_000 });
  // 0: ignored; 1: not ignored; 128: not in a work tree (or git refuses it); no git at all: r.error. Only 1 is news.
  if (r.error || r.status !== 1) return undefined;
  return `warning: ${path} is inside a git work tree that does not ignore it; add "${basename(dir)}/" to its .gitignore so the private key is never committed`;
}
