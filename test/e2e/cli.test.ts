/**
 * The mailns command as a user runs it: serve (IPv4 and IPv6, SIGHUP reload
 * keeping the last good zone), check, import, export.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../helpers/nsd.js';

const CLI = 'dist/src/cli/main.js';
const dir = mkdtempSync(join(tmpdir(), 'mailns-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
}

const ZONE = (addr: string) => `zone: reload.test.\nnameservers: [ns.example.]\nhosts:\n  www: {ipv4: ${addr}}\n`;

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try { const v = await f(); if (ok(v) || Date.now() > end) return v; } catch (e) { if (Date.now() > end) throw e; }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('mailns serve', () => {
  let child: ChildProcess;
  let port = 0;
  let log = '';
  const zdir = join(dir, 'zones');
  const r4 = new Resolver({ timeout: 1000, tries: 1 });
  const r6 = new Resolver({ timeout: 1000, tries: 1 });

  beforeAll(async () => {
    cpSync('zones', zdir, { recursive: true });
    writeFileSync(join(zdir, 'reload.test.yaml'), ZONE('192.0.2.1'));
    port = await findFreePort();
    child = spawn(process.execPath, [CLI, 'serve', zdir, '--listen', `127.0.0.1:${port}`, '--listen', `[::1]:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    r4.setServers([`127.0.0.1:${port}`]);
    r6.setServers([`[::1]:${port}`]);
    await until(() => r4.resolve4('www.reload.test'), (v) => v.length > 0);
  });
  afterAll(() => { child?.kill('SIGTERM'); });

  it('logs one JSON line per zone load and one for the start', () => {
    const lines = log.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.msg === 'zone loaded').map((l) => l.zone).sort()).toEqual(['2.0.192.in-addr.arpa.', '4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.', '64/26.100.51.198.in-addr.arpa.', 'example.com.', 'example.org.', 'reload.test.']);
    const loaded = lines.find((l) => l.zone === 'example.com.')!;
    expect(loaded).toMatchObject({ serial: 2026112601, records: expect.any(Number), ms: expect.any(Number) });
    expect(lines.find((l) => l.msg === 'started')).toMatchObject({ udp: [`127.0.0.1:${port}`, `[::1]:${port}`] });
  });

  it('answers over IPv6 as over IPv4', async () => {
    expect(await r6.resolve4('www.reload.test')).toEqual(['192.0.2.1']);
    expect(await r6.resolveMx('example.com')).toHaveLength(2);
  });

  it('SIGHUP with a broken file keeps the last good zone; a fixed file is picked up', async () => {
    writeFileSync(join(zdir, 'reload.test.yaml'), ZONE('192.0.2.999'));
    child.kill('SIGHUP');
    await until(async () => log, (l) => l.includes('"msg":"reload partly failed"'));
    expect(log).toMatch(/reload\.test\.yaml.*"line":4/);
    expect(await r4.resolve4('www.reload.test')).toEqual(['192.0.2.1']);
    expect(await r4.resolveMx('example.com')).toHaveLength(2);

    writeFileSync(join(zdir, 'reload.test.yaml'), ZONE('192.0.2.2'));
    child.kill('SIGHUP');
    const v = await until(() => r4.resolve4('www.reload.test'), (x) => x[0] === '192.0.2.2');
    expect(v).toEqual(['192.0.2.2']);
  });

  it('the lint runs on reload too: a lint error keeps the last good copy, a lint warning is logged and served', async () => {
    const before = log.length;
    writeFileSync(join(zdir, 'reload.test.yaml'), ZONE('192.0.2.3') + "records:\n  '': {type: TXT, values: ['v=spf1 -all', 'v=spf1 ~all']}\n");
    child.kill('SIGHUP');
    await until(async () => log.slice(before), (l) => l.includes('"msg":"reload partly failed"'));
    expect(log.slice(before)).toMatch(/"level":50[^\n]*"rule":"spf-multiple"/);
    expect(await r4.resolve4('www.reload.test')).toEqual(['192.0.2.2']);
    const mid = log.length;
    writeFileSync(join(zdir, 'reload.test.yaml'), ZONE('192.0.2.4') + "records:\n  _dmarc: {type: TXT, value: 'v=DMARC1; p=none'}\n");
    child.kill('SIGHUP');
    const v = await until(() => r4.resolve4('www.reload.test'), (x) => x[0] === '192.0.2.4');
    expect(v).toEqual(['192.0.2.4']);
    // pino writes asynchronously: wait for the line.
    await until(async () => log.slice(mid), (l) => l.includes('dmarc-p-none'));
    expect(log.slice(mid)).toMatch(/"level":40[^\n]*"rule":"dmarc-p-none"/);
  });

  it('a lint note is logged at info, once: a reload without changes only counts it; a warning comes again', async () => {
    const before = log.length;
    writeFileSync(join(zdir, 'note.test.yaml'), 'zone: note.test.\nnameservers: [ns1.example., ns2.example.]\nmail:\n  mx: [mx.example.net.]\n');
    child.kill('SIGHUP');
    await until(async () => log.slice(before), (l) => l.includes('"rule":"mx-single"'));
    expect(log.slice(before)).toMatch(/"level":30[^\n]*"rule":"mx-single"/);
    const mid = log.length;
    child.kill('SIGHUP');
    await until(async () => log.slice(mid), (l) => /"msg":"reloaded"/.test(l) && l.includes('notes unchanged'));
    const again = log.slice(mid);
    expect(again).not.toContain('"rule":"mx-single"');
    expect(again).toMatch(/"notes":\d+[^\n]*"msg":"notes unchanged since the last load"/);
    // A warning is logged again: it is still true, and may be why the operator looks.
    expect(again).toMatch(/"level":40[^\n]*"rule":"ns-count"/);
  });
});

describe('mailns check / import / export', () => {
  it('check: exit 0 on the examples, 1 with every error listed', () => {
    const ok = cli('check', 'zones');
    expect(ok.status).toBe(0);
    // A clean check is short: one line per reverse zone says what to ask the ISP for.
    expect(ok.stdout.trim().split('\n')).toEqual([
      '2.0.192.in-addr.arpa.: ask the ISP to delegate it to ns1.example.com., ns2.example.net. (--verbose lists the records)',
      '64/26.100.51.198.in-addr.arpa.: ask the ISP for an RFC 2317 delegation: NS to ns1.example.com., ns2.example.net. and 64 CNAMEs (--verbose lists them)',
      '4.3.2.1.8.b.d.0.1.0.0.2.ip6.arpa.: ask the ISP to delegate it to ns1.example.com., ns2.example.net. (--verbose lists the records)',
      '',
      '5 zone(s) ok, 0 file(s) with errors; 0 error(s), 0 warning(s), 0 note(s), 1 silenced (--verbose shows them)',
    ]);
    // --verbose: the records, ready to paste: NS delegation, and RFC 2317 CNAMEs for the classless zone.
    const verbose = cli('check', 'zones', '--verbose');
    expect(verbose.stdout).toContain('2.0.192.in-addr.arpa.: ask the ISP to publish in its zone:\n    2.0.192.in-addr.arpa.\tNS\tns1.example.com.\n    2.0.192.in-addr.arpa.\tNS\tns2.example.net.\n');
    expect(verbose.stdout).toContain('64/26.100.51.198.in-addr.arpa.: ask the ISP to publish in its zone (RFC 2317):');
    expect(verbose.stdout.match(/\tCNAME\t\d+\.64\/26\.100\.51\.198\.in-addr\.arpa\./g)).toHaveLength(64);
    const bad = join(dir, 'bad');
    cpSync('zones', bad, { recursive: true });
    writeFileSync(join(bad, 'b.test.yaml'), 'zone: b.test.\nnameservers: [ns1]\nhosts:\n  www: {ipv4: 1.2.3}\n');
    const r = cli('check', bad);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('b.test.yaml:2:15: error [ns-glue]');
    expect(r.stdout).toContain('b.test.yaml:4:15: error [ip-syntax]');
  });

  it('check --format json, --strict and --verbose', () => {
    const json = cli('check', 'test/fixtures/lint/mistakes', '--format', 'json');
    expect(json.status).toBe(1);
    const out = JSON.parse(json.stdout) as { ok: boolean; problems: { rule: string; severity: string; rfc?: string; record?: string; file: string; line: number }[] };
    expect(out.ok).toBe(false);
    expect(out.problems.find((p) => p.rule === 'dmarc-policy')).toMatchObject({ severity: 'error', rfc: 'RFC 7489 §6.3', line: 22, record: '_dmarc.mistakes.test. 3600 IN TXT "v=DMARC1; p=rejct"' });
    // Warnings alone pass, unless --strict.
    const warnOnly = join(dir, 'warn');
    spawnSync('mkdir', ['-p', warnOnly]);
    writeFileSync(join(warnOnly, 'w.test.yaml'), "zone: w.test.\nnameservers: [ns.example.]\nrecords:\n  _dmarc: {type: TXT, value: 'v=DMARC1; p=none'}\n");
    expect(cli('check', warnOnly).status).toBe(0);
    expect(cli('check', warnOnly, '--strict').status).toBe(1);
    // A silenced rule is shown with its reason under --verbose only.
    const quiet = cli('check', 'zones');
    expect(quiet.stdout).not.toContain('silenced by lint.ignore');
    const verbose = cli('check', 'zones', '--verbose');
    expect(verbose.stdout).toContain('[tlsa-dnssec]');
    expect(verbose.stdout).toContain('silenced by lint.ignore: example only: DANE needs a signed zone');
  });

  it('import turns a zone file into YAML that loads and exports back to the same records', () => {
    const zf = join(dir, 'imp.test.zone');
    writeFileSync(zf, [
      '$ORIGIN imp.test.', '$TTL 1h',
      '@ IN SOA ns1 hostmaster ( 7 3h 1h 2w 5m ) ; comment',
      '  IN NS ns1', '  IN NS ns.example.', '  IN MX 10 mail',
      '  IN TXT "v=spf1 mx -all"',
      'ns1 IN A 192.0.2.53', 'mail 300 IN A 192.0.2.25', 'mail IN AAAA 2001:db8::25',
      'www IN CNAME mail', '*.w IN A 192.0.2.9',
      'sub IN NS ns.sub', 'ns.sub IN A 192.0.2.77',
    ].join('\n') + '\n');
    const r = cli('import', zf);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ydir = join(dir, 'imported');
    cpSync(zf, join(dir, 'keep.zone'));
    rmSync(ydir, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', ydir]);
    writeFileSync(join(ydir, 'imp.test.yaml'), r.stdout);
    const ex = cli('export', ydir);
    expect(ex.status).toBe(0);
    const recs = ex.stdout.split('\n').filter((l) => l && !l.startsWith('$')).map((l) => l.split('\t').join(' ')).sort();
    expect(recs).toEqual([
      '*.w.imp.test. 3600 IN A 192.0.2.9',
      'imp.test. 3600 IN MX 10 mail.imp.test.',
      'imp.test. 3600 IN NS ns.example.',
      'imp.test. 3600 IN NS ns1.imp.test.',
      'imp.test. 3600 IN SOA ns1.imp.test. hostmaster.imp.test. 7 10800 3600 1209600 300',
      'imp.test. 3600 IN TXT "v=spf1 mx -all"',
      'mail.imp.test. 300 IN A 192.0.2.25',
      'mail.imp.test. 3600 IN AAAA 2001:db8::25',
      'ns.sub.imp.test. 3600 IN A 192.0.2.77',
      'ns1.imp.test. 3600 IN A 192.0.2.53',
      'sub.imp.test. 3600 IN NS ns.sub.imp.test.',
      'www.imp.test. 3600 IN CNAME mail.imp.test.',
    ]);
    expect(readFileSync(join(dir, 'keep.zone'), 'utf8')).toContain('$ORIGIN');
  });
});

describe('mailns serve limits and options', () => {
  let child: ChildProcess;
  let port = 0;
  beforeAll(async () => {
    port = await findFreePort();
    child = spawn(process.execPath, [CLI, 'serve', 'zones', '--listen', `127.0.0.1:${port}`, '--hide-version', '--tcp-idle-timeout', '1', '--tcp-max-connections', '3'], { stdio: 'ignore' });
    const r = new Resolver({ timeout: 500, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    await until(() => r.resolve4('example.com'), (v) => v.length > 0);
  });
  afterAll(() => { child?.kill('SIGTERM'); });

  it('--hide-version refuses the CHAOS identity queries', () => {
    const r = spawnSync('dig', ['+norec', '+tries=1', '+time=1', '@127.0.0.1', '-p', String(port), 'version.bind', 'TXT', 'CH'], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/status: REFUSED/);
  });

  it('an idle TCP connection is closed after --tcp-idle-timeout (RFC 7766 §6.2.3)', async () => {
    const { connect } = await import('node:net');
    const t0 = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      s.on('error', reject);
      s.on('close', () => resolve(Date.now() - t0));
      s.resume();
    });
    expect(closedAfter).toBeGreaterThanOrEqual(900);
    expect(closedAfter).toBeLessThan(5000);
  });

  it('a connection beyond --tcp-max-connections takes the place of the one idle longest (docs/operations.md); UDP keeps answering', async () => {
    const { connect } = await import('node:net');
    const open: import('node:net').Socket[] = [];
    const closed: boolean[] = [];
    for (const i of [0, 1, 2]) {
      open.push(await new Promise<import('node:net').Socket>((resolve) => { const s = connect(port, '127.0.0.1', () => resolve(s)); s.on('close', () => { closed[i] = true; }); s.on('error', () => undefined); s.resume(); }));
      closed[i] = false;
      await new Promise((r) => setTimeout(r, 30));
    }
    const fourth = await new Promise<import('node:net').Socket>((resolve) => { const s = connect(port, '127.0.0.1', () => resolve(s)); s.on('error', () => undefined); });
    for (let i = 0; i < 100 && !closed[0]; i++) await new Promise((r) => setTimeout(r, 10));
    expect(closed).toEqual([true, false, false]);
    expect(fourth.destroyed).toBe(false);
    open.push(fourth);
    const r = new Resolver({ timeout: 1000, tries: 1 });
    r.setServers([`127.0.0.1:${port}`]);
    expect(await r.resolve4('example.com')).toEqual(['192.0.2.10']);
    for (const s of open) s.destroy();
  });
});
