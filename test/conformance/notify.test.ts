/**
 * Issue 17, NOTIFY (RFC 1996) with NSD as a real secondary: mailns serve (a
 * spawned process, a copy of zones/) sends a signed NOTIFY for a zone whose
 * serial changed, and NSD (request-xfr and allow-notify with the same TSIG
 * key) transfers the new copy at once rather than at its SOA refresh (4
 * hours here). Once after SIGHUP, once after an edit --watch sees. The delay
 * until NSD serves the new serial is printed, not asserted finer than the
 * polling bound (100 × 100 ms).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatKeyFile } from '../../src/config/tsig-keys.js';
import { findFreePort, requireTool, startNsdSecondary } from '../helpers/nsd.js';
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js';

const haveNsd = requireTool('nsd');
const haveDig = requireTool('dig');

const KEY = { name: 'notify-xfr.test.', algorithm: 'hmac-sha256', secret: Buffer.from('NOTIFY key of the NSD test!!!!!!').toString('base64') };
const ZONE = 'example.org.';

const digShort = (port: number, name: string, type: string): string[] => {
  try {
    return execFileSync('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=1', '+short', '+norecurse', name, type], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch { return []; }
};
const soaSerial = (port: number) => Number(digShort(port, ZONE, 'SOA')[0]?.split(' ')[2] ?? 0);

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

/** mailns serve with --notify to NSD's port (chosen first), and NSD once it holds the zone. */
async function start(how: 'sighup' | 'watch') {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-notify-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const zones = join(dir, 'zones');
  cpSync(resolve('zones'), zones, { recursive: true });
  const file = join(zones, 'example.org.yaml');
  // With --watch the serial follows the content (serial: auto); with SIGHUP the operator raises it, as written.
  if (how === 'watch') writeFileSync(file, readFileSync(file, 'utf8').replace(/serial: 2026112601/, 'serial: auto'));
  const keyFile = join(dir, 'notify-xfr.test.key');
  writeFileSync(keyFile, formatKeyFile(KEY.name, KEY.algorithm, KEY.secret), { mode: 0o600 });
  const nsdPort = await findFreePort();
  const s: ServeProcess = spawnServe([zones, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--tsig-key', keyFile, '--allow-transfer-key', KEY.name,
    '--notify', `127.0.0.1@${nsdPort}`, '--notify-key', KEY.name, ...(how === 'watch' ? ['--watch'] : [])], { cwd: dir });
  cleanup.push(async () => { s.child.kill('SIGTERM'); await s.exited; });
  await s.waitFor((l) => l.msg === 'started');
  const nsd = await startNsdSecondary([ZONE], s.port(), KEY, [ZONE], { port: nsdPort });
  cleanup.push(() => nsd.stop());
  return { s, nsd, file };
}

/** Polls NSD until it serves `serial` and the new host; the milliseconds it took, or undefined after 100 × 100 ms. */
async function untilServed(port: number, serial: number): Promise<number | undefined> {
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) {
    if (soaSerial(port) === serial && digShort(port, `notified.${ZONE}`, 'A')[0] === '192.0.2.99') return Math.round(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

const addHost = (text: string) => text.replace(/^hosts:\n/m, "hosts:\n  notified: {ipv4: 192.0.2.99}\n");

describe.skipIf(!haveNsd || !haveDig)('NOTIFY to NSD as a secondary (RFC 1996)', () => {
  it('after SIGHUP: NSD serves the new serial and the new host, and mailns logs the NOTIFY acknowledged', async () => {
    const { s, nsd, file } = await start('sighup');
    const before = soaSerial(nsd.port);
    expect(before).toBe(2026112601);
    expect(digShort(nsd.port, `notified.${ZONE}`, 'A')).toEqual([]);
    const from = s.lines.length;
    writeFileSync(file, addHost(readFileSync(file, 'utf8')).replace('serial: 2026112601', 'serial: 2026112602'));
    s.child.kill('SIGHUP');
    const ms = await untilServed(nsd.port, 2026112602);
    console.log(`NSD served serial 2026112602 ${ms} ms after SIGHUP`);
    expect(ms, nsd.log()).toBeDefined();
    const acked = await s.waitFor((l) => l.msg === 'notify acknowledged' && l.zone === ZONE && l.serial === 2026112602, from, 10_000);
    expect(acked).toMatchObject({ target: `127.0.0.1:${nsd.port}` });
    expect(nsd.log()).not.toMatch(/bad tsig|tsig error|BADSIG|BADKEY/i);
  }, 60_000);

  it('after an edit --watch picks up (serial: auto): the same', async () => {
    const { s, nsd, file } = await start('watch');
    const before = soaSerial(nsd.port);
    expect(before).toBeGreaterThan(0);
    const from = s.lines.length;
    writeFileSync(file, addHost(readFileSync(file, 'utf8')));
    const loaded = await s.waitFor((l) => l.msg === 'zone loaded' && l.zone === ZONE && l.serial !== before, from, 10_000);
    const serial = loaded.serial as number;
    expect(serial).toBeGreaterThan(before);
    const ms = await untilServed(nsd.port, serial);
    console.log(`NSD served serial ${serial} ${ms} ms after the edit was loaded`);
    expect(ms, nsd.log()).toBeDefined();
    await s.waitFor((l) => l.msg === 'notify acknowledged' && l.zone === ZONE && l.serial === serial, from, 10_000);
  }, 60_000);
});
