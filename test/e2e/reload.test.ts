/**
 * Issue 17, reloads that never publish half a change, and the signals:
 * a file is one unit (a forward zone and its reverse: entries keep their
 * last good copies together, so the PTR still confirms), the reload log line
 * says what happened, a zone whose file is gone is retired at warn, a SIGHUP
 * during the initial load is a reload once start completes, SIGHUPs during a
 * reload merge into one follow-up, and SIGTERM exits 0 with an idle TCP
 * client connected. Spawned processes; dig asks.
 */
import { connect } from 'node:net';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { levels, spawnServe, type ServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'mailns-reload-e2e-'));
const spawned: ServeProcess[] = [];
afterAll(() => { for (const s of spawned) s.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
const serve = (args: string[]) => { const s = spawnServe(args, { cwd: dir }); spawned.push(s); return s; };
const hup = async (s: ServeProcess) => {
  const from = s.lines.length;
  s.child.kill('SIGHUP');
  return s.waitFor((l) => l.msg === 'reloaded' || l.msg === 'reload partly failed', from);
};

const F = (mail: string, extra = '') => `zone: f.test.
nameservers: [ns1.f.test., ns2.example.net.]
hosts:
  ns1: {ipv4: 192.0.2.53}
  mail: {ipv4: ${mail}}
${extra}reverse:
  - network: 192.0.2.0/24
`;

describe('a file is one unit on reload', () => {
  const zones = join(dir, 'unit');
  mkdirSync(zones);
  let s: ServeProcess;

  it('a forward zone and its reverse zone from one file, broken by one bad address, both keep their last good copy', async () => {
    writeFileSync(join(zones, 'f.test.yaml'), F('192.0.2.25'));
    writeFileSync(join(zones, 'other.test.yaml'), 'zone: other.test.\nnameservers: [ns1.f.test., ns2.example.net.]\nhosts: {www: {ipv4: 198.51.100.80}}\n');
    s = serve([zones, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'unit-state')]);
    await s.waitFor((l) => l.msg === 'started');
    expect((await dig(s.port(), ['-x', '192.0.2.25'])).answer).toEqual(['25.2.0.192.in-addr.arpa. 3600 IN PTR mail.f.test.']);

    // mail moves to .26, and a typo elsewhere in the same file: the new reverse zone alone would say .26 is mail.
    writeFileSync(join(zones, 'f.test.yaml'), F('192.0.2.26', '  typo: {ipv4: 192.0.2.300}\n'));
    const line = await hup(s);
    expect(line).toMatchObject({ msg: 'reload partly failed', level: levels.warn, files: [join(zones, 'f.test.yaml')] });
    expect((line.kept as string[]).sort()).toEqual(['2.0.192.in-addr.arpa.', 'f.test.']);
    // FCrDNS still holds: the PTR of .25 names mail, whose A is .25; .26 has no PTR yet.
    expect((await dig(s.port(), ['-x', '192.0.2.25'])).answer).toEqual(['25.2.0.192.in-addr.arpa. 3600 IN PTR mail.f.test.']);
    expect((await dig(s.port(), ['mail.f.test', 'A'])).answer).toEqual(['mail.f.test. 3600 IN A 192.0.2.25']);
    expect((await dig(s.port(), ['-x', '192.0.2.26'])).status).toBe('NXDOMAIN');
  });

  it('fixed, the whole file moves at once; a clean reload is one info line with counts', async () => {
    writeFileSync(join(zones, 'f.test.yaml'), F('192.0.2.26'));
    const from = s.lines.length;
    const line = await hup(s);
    expect(line).toMatchObject({ msg: 'reloaded', level: levels.info, zones: 3, changed: 2, added: 0, retired: 0 });
    // A line for each zone that changed; the unchanged one is only counted.
    expect(s.lines.slice(from).filter((l) => l.msg === 'zone loaded').map((l) => l.zone).sort()).toEqual(['2.0.192.in-addr.arpa.', 'f.test.']);
    expect((await dig(s.port(), ['-x', '192.0.2.26'])).answer).toEqual(['26.2.0.192.in-addr.arpa. 3600 IN PTR mail.f.test.']);
    expect((await dig(s.port(), ['mail.f.test', 'A'])).answer).toEqual(['mail.f.test. 3600 IN A 192.0.2.26']);
  });

  it('a new file with errors has nothing to keep: the line is at error, naming it', async () => {
    writeFileSync(join(zones, 'new.test.yaml'), 'zone: new.test.\nnameservers: [ns1.f.test., ns2.example.net.]\nhosts: {www: {ipv4: 198.51.100.999}}\n');
    const line = await hup(s);
    expect(line).toMatchObject({ msg: 'reload partly failed', level: levels.error, notServed: [join(zones, 'new.test.yaml')] });
    rmSync(join(zones, 'new.test.yaml'));
  });

  it('a zone file that disappears retires its zone, at warn with the zone name', async () => {
    rmSync(join(zones, 'other.test.yaml'));
    const from = s.lines.length;
    const line = await hup(s);
    expect(line).toMatchObject({ msg: 'reloaded', retired: 1 });
    expect(s.lines.slice(from).find((l) => l.msg.startsWith('zone retired'))).toMatchObject({ level: levels.warn, zone: 'other.test.', file: join(zones, 'other.test.yaml') });
    expect((await dig(s.port(), ['www.other.test', 'A'])).status).toBe('REFUSED');
  });

  it('SIGTERM with an idle TCP client connected: the connection is closed and the process exits 0', async () => {
    const sock = connect(s.port(), '127.0.0.1');
    await new Promise<void>((ok, fail) => { sock.once('connect', ok); sock.once('error', fail); });
    const closed = new Promise<void>((ok) => sock.once('close', () => ok()));
    sock.on('error', () => {});
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    await closed;
    expect(s.lines.map((l) => l.msg)).toContain('stopped');
  });
});

describe('signals during long loads', () => {
  // 100 zones of 100 hosts: a load long enough (about a second here) for signals to arrive during it.
  const zones = join(dir, 'many');
  mkdirSync(zones);
  for (let i = 0; i < 100; i++) {
    let y = `zone: z${i}.test.\nnameservers: [ns1.z${i}.test., ns2.example.net.]\nhosts:\n  ns1: {ipv4: 192.0.2.53}\n`;
    for (let h = 0; h < 100; h++) y += `  h${h}: {ipv4: 198.51.${h}.${i}}\n`;
    writeFileSync(join(zones, `z${i}.test.yaml`), y);
  }
  let s: ServeProcess;

  it('a SIGHUP during the initial load does not kill the process: one reload runs once start completes', async () => {
    s = serve([zones, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'many-state'), '--log-level', 'debug', '--tcp-idle-timeout', '600']);
    await s.waitFor((l) => l.msg === 'loading');
    const startedBefore = s.lines.some((l) => l.msg === 'started');
    s.child.kill('SIGHUP');
    await s.waitFor((l) => l.msg === 'started');
    const reload = await s.waitFor((l) => l.msg === 'reloaded');
    // The signal was sent while the zones were loading (else this test shows nothing).
    expect(startedBefore).toBe(false);
    expect(s.lines.indexOf(reload)).toBeGreaterThan(s.lines.findIndex((l) => l.msg === 'started'));
    expect((await dig(s.port(), ['h1.z7.test', 'A'])).answer).toEqual(['h1.z7.test. 3600 IN A 198.51.1.7']);
  });

  it('five SIGHUPs 50 ms apart during a reload: at most two reloads', async () => {
    // Every file edited (a comment), so the reload makes every zone again rather than reuse it as it was.
    for (let i = 0; i < 100; i++) appendFileSync(join(zones, `z${i}.test.yaml`), '# edited\n');
    const from = s.lines.length;
    for (let i = 0; i < 5; i++) {
      s.child.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 50));
    }
    // The queue says when it is idle again, with how many reloads it ran.
    const done = await s.waitFor((l) => l.msg === 'reloads done', from, 30_000);
    const reloaded = s.lines.slice(from).filter((l) => l.msg === 'reloaded');
    // The premise: the signals came while the first reload ran (it took longer than the 200 ms they span).
    expect(reloaded[0]!.ms as number).toBeGreaterThan(200);
    expect(reloaded.length).toBe(done.reloads);
    expect(reloaded.length).toBeGreaterThanOrEqual(1);
    expect(reloaded.length).toBeLessThanOrEqual(2);
  }, 60_000);

  it('SIGTERM while a TCP client holds a connection open (idle timeout 600 s): exit 0', async () => {
    const sock = connect(s.port(), '127.0.0.1');
    await new Promise<void>((ok, fail) => { sock.once('connect', ok); sock.once('error', fail); });
    sock.on('error', () => {});
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    sock.destroy();
  });
});
