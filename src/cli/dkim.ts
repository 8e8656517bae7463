/**
 * `mailns dkim keygen`: a DKIM key pair for the mail server (private, mode
 * 0600) and for the zone (public), and the YAML lines that publish it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
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

export function keygen(o: KeygenOptions): { privatePath: string; publicPath: string; yaml: string; record: string } {
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
  return { privatePath, publicPath, yaml, record: dkimRecordText(parsed) };
}
