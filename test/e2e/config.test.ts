/**
 * `--config FILE` end to end, with the built CLI as real processes:
 * a configuration file and the flags it stands for give the same answers to
 * dig (its relative paths taken from the file's directory, whatever the
 * current one); a flag overrides its key and a list flag replaces the list;
 * a zone file's notify: replaces the server's targets for its zone; a
 * broken file stops serve with one line per finding and exit 2; check
 * --config finds catalog problems at catalog:; export --config prints the
 * catalog.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/nsd.js';
import { CLI, spawnServe, type ServeProcess } from '../helpers/serve-process.js';

const run = promisify(execFile);
const haveDig = requireTool('dig');

const dir = mkdtempSync(join(tmpdir(), 'mailns-config-e2e-'));
const etc = join(dir, 'etc');
const elsewhere = join(dir, 'elsewhere');
mkdirSync(elsewhere, { recursive: true });
cpSync('zones', join(etc, 'zones'), { recursive: true });
spawnSync(process.execPath, [CLI, 'tsig', 'keygen', 'xfr.example.com.', '--dir', join(etc, 'keys.private')], { encoding: 'utf8' });
const procs: ServeProcess[] = [];
const sockets: Socket[] = [];
afterAll(() => {
  for (const p of procs) p.child.kill('SIGKILL');
  for (const s of sockets) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A secondary for NOTIFY: answers each one (same ID, QR set) and remembers the zones it was told about. */
async function secondary(): Promise<{ port: number; zones: string[] }> {
  const zones: string[] = [];
  const s = createSocket('udp4');
  s.on('message', (m, r) => {
    const labels: string[] = [];
    for (let i = 12; m[i]! > 0; i += m[i]! + 1) labels.push(m.subarray(i + 1, i + 1 + m[i]!).toString('latin1'));
    zones.push(labels.join('.') + '.');
    const reply = Buffer.from(m.subarray(0, 12));
    reply[2] = reply[2]! | 0x80;
    reply.fill(0, 4);
    s.send(reply, r.port, r.address);
  });
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', ok));
  sockets.push(s);
  return { port: s.address().port, zones };
}

async function ask(port: number, args: string[]): Promise<string[]> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', '+nocmd', '+nostats', '+noall', '+answer', ...args]);
  return stdout.split('\n').filter(Boolean).map((l) => l.split(/\s+/).join(' ')).sort();
}

const QUESTIONS = [['example.org', 'SOA'], ['example.com', 'MX'], ['example.com', 'NS'], ['_dmarc.example.com', 'TXT'], ['id.server', 'TXT', 'CH'], ['example.org', 'AXFR'], ['catalog.invalid', 'AXFR']];

describe.skipIf(!haveDig)('serve --config', () => {
  it('answers as the flags it stands for do; a zone\'s notify: replaces the server\'s targets', async () => {
    const server = await secondary();
    const own = await secondary();
    // example.org.yaml gets a notify: of its own.
    const org = join(etc, 'zones', 'example.org.yaml');
    writeFileSync(org, `${readFileSync(org, 'utf8')}\nnotify:\n  targets: [127.0.0.1@${own.port}]\n`);
    writeFileSync(join(etc, 'mailns.conf.yaml'), [
      'zones: [zones]', "listen: ['127.0.0.1:0']", 'identity: config-test', 'state-dir: state', 'tsig-keys: [keys.private/xfr.example.com.key]',
      'transfer: {allow: [127.0.0.1]}', 'catalog: catalog.invalid.', `notify: {targets: ['127.0.0.1@${server.port}']}`, 'tcp: {idle-timeout: 5}',
    ].join('\n') + '\n');
    // Started from another directory: the file's paths are relative to the file.
    const byFile = spawnServe(['--config', join(etc, 'mailns.conf.yaml')], { cwd: elsewhere });
    const byFlags = spawnServe([join(etc, 'zones'), '--listen', '127.0.0.1:0', '--identity', 'config-test', '--state-dir', join(dir, 'state-flags'),
      '--tsig-key', join(etc, 'keys.private', 'xfr.example.com.key'), '--allow-transfer', '127.0.0.1', '--catalog', 'catalog.invalid.', '--tcp-idle-timeout', '5']);
    procs.push(byFile, byFlags);
    await Promise.all([byFile.waitFor((l) => l.msg === 'started'), byFlags.waitFor((l) => l.msg === 'started')]);
    for (const q of QUESTIONS) {
      const [a, b] = await Promise.all([ask(byFile.port(), q), ask(byFlags.port(), q)]);
      expect(a.length, q.join(' ')).toBeGreaterThan(0);
      expect(a, q.join(' ')).toEqual(b);
    }
    expect(await ask(byFile.port(), ['id.server', 'TXT', 'CH'])).toEqual(['id.server. 0 CH TXT "config-test"']);
    // The state directory is beside the file, not in the current directory.
    expect(existsSync(join(etc, 'state'))).toBe(true);
    expect(existsSync(join(elsewhere, 'state'))).toBe(false);

    // example.org. to its own target only (from both servers: the one without server-wide targets too);
    // every other zone that can be transferred (the catalog too) to the server's.
    await expect.poll(() => own.zones, { timeout: 10_000 }).toEqual(['example.org.', 'example.org.']);
    await expect.poll(() => server.zones.includes('catalog.invalid.') && server.zones.includes('2.0.192.in-addr.arpa.'), { timeout: 10_000 }).toBe(true);
    expect(server.zones).not.toContain('example.org.');
  }, 60_000);

  it('a flag overrides its key; a list flag replaces the whole list', async () => {
    writeFileSync(join(etc, 'two.yaml'), "zones: [zones]\nlisten: ['127.0.0.1:0', '127.0.0.1:0']\nidentity: from-the-file\nstate-dir: state\nlog-level: warn\n");
    const fileOnly = spawnServe(['--config', join(etc, 'two.yaml'), '--log-level', 'info']);
    const flags = spawnServe(['--config', join(etc, 'two.yaml'), '--listen', '127.0.0.1:0', '--identity', 'from-the-flag', '--log-level', 'info']);
    procs.push(fileOnly, flags);
    const [a, b] = await Promise.all([fileOnly.waitFor((l) => l.msg === 'started'), flags.waitFor((l) => l.msg === 'started')]);
    expect(a.udp).toHaveLength(2);
    expect(b.udp).toHaveLength(1);
    expect(await ask(fileOnly.port(), ['id.server', 'TXT', 'CH'])).toEqual(['id.server. 0 CH TXT "from-the-file"']);
    expect(await ask(flags.port(), ['id.server', 'TXT', 'CH'])).toEqual(['id.server. 0 CH TXT "from-the-flag"']);
  }, 60_000);
});

describe('a configuration file with mistakes', () => {
  const bad = join(etc, 'bad.yaml');
  writeFileSync(bad, "lisen: ['127.0.0.1:0']\nlisten: [localhost:53]\ntransfer: {allow: [192.0.2.1/24], keys: [nokey.]}\ncatalog: example.org.\n");

  it('stops serve before anything is bound: one line per finding on stderr, exit 2', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--config', bad], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`mailns serve: ${bad}:1:1: error [schema] unknown key "lisen" in top level (hint: known keys here: zones, listen, log-level, log-format, identity, hide-version, tcp, rrl, metrics, state-dir, watch, user, catalog, ixfr-journal, tsig-keys, transfer, notify)`);
    expect(lines.slice(1).map((l) => /^mailns serve: .*?:(\d+:\d+): error \[([a-z-]+)\]/.exec(l)?.slice(1).join(' '))).toEqual(['2:10 listen', '3:20 transfer', '3:42 tsig-key-unknown']);
    expect(r.stdout).toBe('');
  });

  it('check --config reports them with the zones\' findings, the catalog\'s collision at catalog:, exit 1', () => {
    const r = spawnSync(process.execPath, [CLI, 'check', '--config', bad], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${bad}:4:10: error [catalog-collision] the catalog example.org. is also a zone we serve: the catalog is not served\n    hint: give catalog: a name outside every zone served, e.g. catalog.invalid.`);
    expect(r.stdout).toMatch(/1 file\(s\) with errors; 5 error\(s\)/);
    // A zone's transfer: or notify: key that no key file of the configuration holds is a warning at its place.
    const zones = join(dir, 'keyzones');
    mkdirSync(zones, { recursive: true });
    writeFileSync(join(zones, 't.test.yaml'), 'zone: t.test.\nnameservers: [ns1.example.net., ns2.example.net.]\ntransfer: {keys: [xfr.example.com., xfr2.example.com.]}\nnotify: {targets: [192.0.2.54], key: nokey.}\n');
    writeFileSync(join(etc, 'keys.yaml'), `zones: [${zones}]\nstate-dir: state-keys\ntsig-keys: [keys.private/xfr.example.com.key]\n`);
    const k = spawnSync(process.execPath, [CLI, 'check', '--config', join(etc, 'keys.yaml')], { encoding: 'utf8', timeout: 30_000 });
    expect(k.status, k.stdout).toBe(0);
    expect(k.stdout.split('\n').filter((l) => l.includes('[tsig-key-unknown]')).map((l) => l.replace(zones + '/', ''))).toEqual([
      expect.stringMatching(/^t\.test\.yaml:3:37: warning \[tsig-key-unknown\] transfer: key xfr2\.example\.com\. is in none of the tsig-keys files/),
      expect.stringMatching(/^t\.test\.yaml:4:38: warning \[tsig-key-unknown\] notify: key nokey\. is in none/),
    ]);
    // The same with the flag: the finding is the catalog's own.
    const f = spawnSync(process.execPath, [CLI, 'check', join(etc, 'zones'), '--catalog', 'www.example.org.', '--state-dir', join(dir, 'state-check')], { encoding: 'utf8', timeout: 30_000 });
    expect(f.status).toBe(1);
    expect(f.stdout).toContain('error [catalog-collision] the catalog www.example.org. is inside the zone example.org., which we serve');
  });

  it('export --config prints the catalog as serve would serve it; a broken file is exit 2', () => {
    writeFileSync(join(etc, 'catalog.yaml'), 'zones: [zones]\nstate-dir: state-export\ncatalog: catalog.invalid.\n');
    const r = spawnSync(process.execPath, [CLI, 'export', '--config', join(etc, 'catalog.yaml'), '--zone', 'catalog.invalid'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\$ORIGIN catalog\.invalid\.\ncatalog\.invalid\.\t0\tIN\tSOA\tinvalid\. invalid\. \d+ 3600 600 2147483646 0\n/);
    expect(r.stdout.match(/\tPTR\t/g)).toHaveLength(5);
    expect(spawnSync(process.execPath, [CLI, 'export', '--config', bad], { encoding: 'utf8' }).status).toBe(2);
  });

  it('diff --catalog (or the file\'s catalog:) compares the catalogs too: a zone added is a member added', () => {
    const [old, now] = [join(dir, 'diff-old'), join(dir, 'diff-new')];
    const zone = (d: string, z: string) => { mkdirSync(d, { recursive: true }); writeFileSync(join(d, `${z}.yaml`), `zone: ${z}.\nnameservers: [ns1.example.net., ns2.example.net.]\nsoa: {serial: 1}\n`); };
    zone(old, 'a.test'); zone(now, 'a.test'); zone(now, 'b.test');
    writeFileSync(join(etc, 'diff.yaml'), 'state-dir: state-diff\ncatalog: catalog.invalid.\n');
    for (const args of [['--catalog', 'catalog.invalid.', '--state-dir', join(dir, 'state-diff')], ['--config', join(etc, 'diff.yaml')]]) {
      const r = spawnSync(process.execPath, [CLI, 'diff', old, now, ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/^zone catalog\.invalid\.: 1 added, 0 removed/m);
      expect(r.stdout).toMatch(/^\+[0-9a-f]{16}\.zones\.catalog\.invalid\.\t0\tIN\tPTR\tb\.test\.$/m);
      expect(r.stdout).toMatch(/^zone b\.test\.: added/m);
    }
  });
});
