/**
 * Issue 17, serials that move exactly when the content does: `serial: auto`
 * keeps its serial across edits that change nothing (comments, key order, a
 * touch) and across restarts (the state directory), and moves when the
 * published content does, a rotated DKIM key file included; check, export
 * and serve agree on it. An explicit serial that did not grow while the
 * content changed is an error in check and in the reload log, and the zone
 * keeps serving its last good copy. Spawned processes; dig asks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { CLI, levels, spawnServe, type ServeProcess } from '../helpers/serve-process.js';
import { serialGreater } from '../../src/zone/serial.js';

const dir = mkdtempSync(join(tmpdir(), 'mailns-serials-'));
const zones = join(dir, 'zones');
const state = join(dir, 'state');
mkdirSync(zones);
let server: ServeProcess | undefined;
afterAll(() => { server?.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000, cwd: dir });
const keygen = (force: boolean) => {
  const r = cli('dkim', 'keygen', '--zone', 'a.test', '--selector', 's1', '--type', 'ed25519', '--zone-dir', zones, '--private-dir', join(dir, 'private'), ...(force ? ['--force'] : []));
  expect(r.status, r.stderr).toBe(0);
};

const A = `zone: a.test.
nameservers: [ns1.a.test., ns2.example.net.]
hosts:
  ns1: {ipv4: 192.0.2.53}
  mail: {ipv4: 192.0.2.25}
mail:
  mx: [mail]
  spf: {hosts: [mail]}
  dmarc: {p: reject}
  dkim:
    s1: {key_file: keys/a.test/s1.pub.pem}
`;
// The same zone: comments, keys in another order, flow style.
const A_SAME = `# a.test, rewritten
zone: a.test.   # the apex
hosts:
  mail: {ipv4: 192.0.2.25}
  ns1:
    ipv4: 192.0.2.53
nameservers: [ns1.a.test., ns2.example.net.]
mail:
  dkim: {s1: {key_file: keys/a.test/s1.pub.pem}}
  dmarc: {p: reject}
  spf: {hosts: [mail]}
  mx: [mail]
`;
const B = (serial: number, extra = '') => `zone: b.test.
soa: {serial: ${serial}}
nameservers: [ns1.a.test., ns2.example.net.]
hosts:
  www: {ipv4: 192.0.2.80}
${extra}`;

const soaSerial = async (zone: string) => {
  const r = await dig(server!.port(), [zone, 'SOA']);
  expect(r.status).toBe('NOERROR');
  return Number(r.answer[0]!.split(' ')[6]);
};
const checkJson = () => {
  const r = cli('check', zones, '--format', 'json', '--state-dir', state);
  return { status: r.status, out: JSON.parse(r.stdout) as { zones: { zone: string; serial: number }[]; problems: { rule: string; file: string; line: number; col: number }[] } };
};
const serialIn = (c: ReturnType<typeof checkJson>, zone: string) => c.out.zones.find((z) => z.zone === zone)?.serial;
const start = async () => {
  server = spawnServe([zones, '--listen', '127.0.0.1:0', '--state-dir', state], { cwd: dir });
  await server.waitFor((l) => l.msg === 'started');
};
const reload = async () => {
  const from = server!.lines.length;
  server!.child.kill('SIGHUP');
  return server!.waitFor((l) => l.msg === 'reloaded' || l.msg === 'reload partly failed', from);
};

describe('serials that move exactly when the content does', () => {
  let first = 0;

  it('check prints the serial serve will publish, and only reads the state directory', async () => {
    keygen(false);
    writeFileSync(join(zones, 'a.test.yaml'), A);
    writeFileSync(join(zones, 'b.test.yaml'), B(5));
    const c = checkJson();
    expect(c.status).toBe(0);
    first = serialIn(c, 'a.test.')!;
    expect(String(first)).toMatch(/^20\d{6}00$/); // YYYYMMDD00: the first serial of a zone
    expect(serialIn(c, 'b.test.')).toBe(5);
    expect(existsSync(state)).toBe(false);

    await start();
    expect(await soaSerial('a.test')).toBe(first);
    expect(await soaSerial('b.test')).toBe(5);
    expect(existsSync(join(state, 'serials.json'))).toBe(true);
  });

  it('comments, key order and a touch change nothing', async () => {
    writeFileSync(join(zones, 'a.test.yaml'), A_SAME);
    utimesSync(join(zones, 'b.test.yaml'), new Date(), new Date(Date.now() + 86_400_000));
    const r = await reload();
    expect(r.msg).toBe('reloaded');
    expect(await soaSerial('a.test')).toBe(first);
    expect(await soaSerial('b.test')).toBe(5);
  });

  it('a restart keeps it (the state directory)', async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    await start();
    expect(await soaSerial('a.test')).toBe(first);
    expect(checkJson().out.zones.map((z) => z.serial).sort()).toEqual([5, first].sort());
  });

  it('a DKIM key rotated in its key file moves it; check and export print the new one too', async () => {
    keygen(true);
    await reload();
    const moved = await soaSerial('a.test');
    expect(serialGreater(moved, first), `${moved} after ${first}`).toBe(true);
    expect(serialIn(checkJson(), 'a.test.')).toBe(moved);
    const ex = cli('export', zones, '--zone', 'a.test', '--state-dir', state);
    expect(ex.status, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(new RegExp(`^a\\.test\\.\\t\\d+\\tIN\\tSOA\\t\\S+ \\S+ ${moved} `, 'm'));
    // Reloading the same again moves nothing.
    await reload();
    expect(await soaSerial('a.test')).toBe(moved);
  });

  it('an explicit serial that did not grow while the content changed: an error in check and in the reload log; the zone keeps its last good copy', async () => {
    writeFileSync(join(zones, 'b.test.yaml'), B(5, '  www2: {ipv4: 192.0.2.81}\n'));
    const c = cli('check', zones, '--state-dir', state);
    expect(c.status).toBe(1);
    expect(c.stdout).toMatch(/b\.test\.yaml:2:\d+: error \[serial-not-increased\] zone b\.test\. changed since serial 5 was published, but its serial is still 5/);
    expect(c.stdout).toMatch(/hint: raise soa\.serial above 5/);
    const from = server!.lines.length;
    await reload();
    const finding = server!.lines.slice(from).find((l) => l.rule === 'serial-not-increased');
    expect(finding).toMatchObject({ level: levels.error, file: join(zones, 'b.test.yaml'), line: 2 });
    expect(await soaSerial('b.test')).toBe(5);
    expect((await dig(server!.port(), ['www2.b.test', 'A'])).status).toBe('NXDOMAIN');

    // A serial that went down is no better; one that grew is published.
    writeFileSync(join(zones, 'b.test.yaml'), B(4, '  www2: {ipv4: 192.0.2.81}\n'));
    expect(cli('check', zones, '--state-dir', state).stdout).toMatch(/its serial went from 5 to 4/);
    writeFileSync(join(zones, 'b.test.yaml'), B(6, '  www2: {ipv4: 192.0.2.81}\n'));
    expect(cli('check', zones, '--state-dir', state).status).toBe(0);
    await reload();
    expect(await soaSerial('b.test')).toBe(6);
    expect((await dig(server!.port(), ['www2.b.test', 'A'])).status).toBe('NOERROR');
    const recorded = JSON.parse(readFileSync(join(state, 'serials.json'), 'utf8')) as { zones: Record<string, { serial: number }> };
    expect(recorded.zones['b.test.']!.serial).toBe(6);
  });

  it('a state directory that cannot be written: a warning, and serving goes on', async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    const blocked = join(dir, 'not-a-dir');
    writeFileSync(blocked, '');
    server = spawnServe([zones, '--listen', '127.0.0.1:0', '--state-dir', join(blocked, 'state')], { cwd: dir });
    await server.waitFor((l) => l.msg === 'started');
    expect(server.lines.find((l) => /state directory not writable/.test(l.msg))?.level).toBe(levels.warn);
    expect(await soaSerial('b.test')).toBe(6);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
