/**
 * Issue 17, the catalog (RFC 9432 version 2) with Knot as its consumer:
 * Knot (catalog-role: interpret, a template whose members transfer from
 * mailns) becomes a secondary for every zone mailns lists, adds a zone when
 * its YAML file is added and mailns reloads (SIGHUP: the catalog's serial
 * moves and it is notified), and drops it when the file is deleted.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digAt, startKnot, until, type KnotInstance } from '../helpers/knot.js';
import { findFreePort, requireTool } from '../helpers/nsd.js';
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js';

const haveKnot = requireTool('knotd');
const haveDig = requireTool('dig');

const dir = mkdtempSync(join(tmpdir(), 'mailns-catalog-knot-'));
const zones = join(dir, 'zones');
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
});

const zone = (name: string) => writeFileSync(join(zones, `${name}.yaml`), `zone: ${name}.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  www: {ipv4: 192.0.2.1}\n`);

/** The rcode and answer count Knot gives for the zone's SOA: NOERROR with 1 while it serves it, REFUSED once it does not. */
const soaAt = (port: number, name: string): string => {
  const r = digAt(port, name, 'SOA');
  return r.status ? `${r.status} ${r.answers}` : 'no answer';
};

/** Knot's zones: the catalog, and a template for its members, which transfer from mailns. */
const knotZones = (primary: number) => (k: string) => `remote:
  - id: mailns
    address: 127.0.0.1@${primary}
acl:
  - id: notify-from-mailns
    address: 127.0.0.1
    action: notify
template:
  - id: default
    storage: ${k}/zones
  - id: member
    storage: ${k}/zones
    master: mailns
    acl: notify-from-mailns
zone:
  - domain: catalog.invalid.
    master: mailns
    acl: notify-from-mailns
    catalog-role: interpret
    catalog-template: member
`;

describe.skipIf(!haveKnot || !haveDig)('the catalog with Knot as its consumer (RFC 9432)', () => {
  it('Knot serves each zone listed, adds one whose file is added and drops one whose file is deleted', async () => {
    mkdirSync(zones, { recursive: true });
    zone('a.test'); zone('b.test');
    const knotPort = await findFreePort();
    const s: ServeProcess = spawnServe([zones, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--catalog', 'catalog.invalid.', '--allow-transfer', '127.0.0.1', '--notify', `127.0.0.1@${knotPort}`]);
    stops.push(async () => { s.child.kill('SIGTERM'); await s.exited; });
    await s.waitFor((l) => l.msg === 'started');
    const knot: KnotInstance = await startKnot(knotZones(s.port()), { port: knotPort });
    stops.push(() => knot.stop());

    expect(await until(() => soaAt(knotPort, 'a.test.') === 'NOERROR 1' && soaAt(knotPort, 'b.test.') === 'NOERROR 1'), knot.log()).toBe(true);
    expect(soaAt(knotPort, 'c.test.')).toBe('REFUSED 0');

    zone('c.test');
    s.child.kill('SIGHUP');
    expect(await until(() => soaAt(knotPort, 'c.test.') === 'NOERROR 1'), knot.log()).toBe(true);

    unlinkSync(join(zones, 'a.test.yaml'));
    s.child.kill('SIGHUP');
    expect(await until(() => soaAt(knotPort, 'a.test.') === 'REFUSED 0'), knot.log()).toBe(true);
    expect(soaAt(knotPort, 'b.test.')).toBe('NOERROR 1');
    expect(knot.log()).toMatch(/\[c\.test\.\] zone added from catalog/);
  }, 60_000);
});
