/**
 * Knot as an IXFR secondary of mailns (RFC 1995): with a TSIG key for its
 * transfers and mailns's NOTIFYs, Knot takes the zone whole first (AXFR),
 * then, after an edit of the YAML and SIGHUP, is notified, asks for the
 * changes since its serial, and its log shows an incremental transfer (not
 * an AXFR, nor an AXFR-style IXFR); it then serves the new record and no
 * longer the removed one.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatKeyFile } from '../../src/config/tsig-keys.js';
import { digAt, startKnot, until, type KnotInstance } from '../helpers/knot.js';
import { findFreePort, requireTool } from '../helpers/nsd.js';
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js';

const haveKnot = requireTool('knotd');
const haveDig = requireTool('dig');

const KEY = { name: 'knot-ixfr.test.', algorithm: 'hmac-sha256', secret: Buffer.from('IXFR key of the Knot test!!!!!!!').toString('base64') };
const ZONE = `zone: ixfr.test.
soa: {serial: 2026120700}
nameservers: [ns1.example.net., ns2.example.net.]
hosts:
  www: {ipv4: 192.0.2.1}
  old: {ipv4: 192.0.2.2}
`;

const dir = mkdtempSync(join(tmpdir(), 'mailns-ixfr-knot-'));
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Knot: the key, mailns as its primary (transfers signed), NOTIFY accepted from it with the key, the zone. */
const knotZone = (primary: number) => (k: string) => `key:
  - id: ${KEY.name}
    algorithm: ${KEY.algorithm}
    secret: ${KEY.secret}
remote:
  - id: mailns
    address: 127.0.0.1@${primary}
    key: ${KEY.name}
acl:
  - id: notify-from-mailns
    address: 127.0.0.1
    key: ${KEY.name}
    action: notify
template:
  - id: default
    storage: ${k}/zones
zone:
  - domain: ixfr.test.
    master: mailns
    acl: notify-from-mailns
`;

const serialAt = (port: number) => Number(digAt(port, 'ixfr.test.', 'SOA').lines[0]?.split(/\s+/)[6] ?? 0);
const aAt = (port: number, name: string) => digAt(port, name, 'A').lines.filter((l) => /\sIN\s+A\s/.test(l)).map((l) => l.split(/\s+/).at(-1));

describe.skipIf(!haveKnot || !haveDig)('Knot as an IXFR secondary (RFC 1995)', () => {
  it('transfers the zone whole first, then only the change, when notified after a reload', async () => {
    const zones = join(dir, 'zones');
    mkdirSync(zones);
    const file = join(zones, 'ixfr.test.yaml');
    writeFileSync(file, ZONE);
    const keyFile = join(dir, 'knot-ixfr.key');
    writeFileSync(keyFile, formatKeyFile(KEY.name, KEY.algorithm, KEY.secret), { mode: 0o600 });
    const knotPort = await findFreePort();
    const s: ServeProcess = spawnServe([zones, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--tsig-key', keyFile,
      '--allow-transfer-key', KEY.name, '--notify', `127.0.0.1@${knotPort}`, '--notify-key', KEY.name]);
    stops.push(async () => { s.child.kill('SIGTERM'); await s.exited; });
    await s.waitFor((l) => l.msg === 'started');
    const knot: KnotInstance = await startKnot(knotZone(s.port()), { port: knotPort });
    stops.push(() => knot.stop());

    expect(await until(() => serialAt(knotPort) === 2026120700), knot.log()).toBe(true);
    // Knot's log reaches its stderr a moment after the zone is served.
    expect(await until(() => /\[ixfr\.test\.\] AXFR, incoming, remote 127\.0\.0\.1@\d+, finished/.test(knot.log())), knot.log()).toBe(true);
    expect(aAt(knotPort, 'old.ixfr.test.')).toEqual(['192.0.2.2']);
    // Signed: mailns allows this zone's transfers to the key only.
    expect(await s.waitFor((l) => l.msg === 'transfer sent' && l.kind === 'AXFR')).toMatchObject({ zone: 'ixfr.test.', key: 'knot-ixfr.test.' });

    const from = s.lines.length;
    writeFileSync(file, readFileSync(file, 'utf8').replace('2026120700', '2026120701').replace('old: {ipv4: 192.0.2.2}', 'new: {ipv4: 192.0.2.3}'));
    s.child.kill('SIGHUP');
    expect(await until(() => serialAt(knotPort) === 2026120701), knot.log()).toBe(true);
    expect(aAt(knotPort, 'new.ixfr.test.')).toEqual(['192.0.2.3']);
    expect(aAt(knotPort, 'old.ixfr.test.')).toEqual([]);
    expect(aAt(knotPort, 'www.ixfr.test.')).toEqual(['192.0.2.1']);

    const ixfr = () => knot.log().split('\n').filter((l) => /\[ixfr\.test\.\] IXFR, incoming/.test(l));
    const refreshed = /\[ixfr\.test\.\] refresh, remote 127\.0\.0\.1@\d+, zone updated, .*serial 2026120700 -> 2026120701/;
    expect(await until(() => ixfr().some((l) => /finished/.test(l)) && refreshed.test(knot.log())), knot.log()).toBe(true);
    const log = knot.log();
    console.log([...ixfr(), ...log.split('\n').filter((l) => refreshed.test(l))].join('\n'));
    expect(log).not.toMatch(/AXFR-style IXFR/);
    expect(log.match(/\[ixfr\.test\.\] AXFR, incoming.*finished/g)?.length).toBe(1);
    // mailns's side: the NOTIFY acknowledged, and the transfer sent as IXFR from Knot's serial.
    await s.waitFor((l) => l.msg === 'notify acknowledged' && l.serial === 2026120701, from);
    const sent = await s.waitFor((l) => l.msg === 'transfer sent' && l.kind === 'IXFR', from);
    expect(sent).toMatchObject({ zone: 'ixfr.test.', from: 2026120700, key: 'knot-ixfr.test.' });
  }, 60_000);
});
