/**
 * `mailns probe`, the health check, against a real server on port 0 and
 * against fakes that answer wrong: exit 0 and one line on an authoritative
 * SOA, exit 1 and one line saying why otherwise.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from '../helpers/server.js';

const CLI = 'dist/src/cli/main.js';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A UDP socket on 127.0.0.1 that passes each query to `reply` (which may answer, or not). */
async function fake(reply: (msg: Buffer, send: (b: Buffer) => void) => void): Promise<{ port: number; sock: Socket }> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, from) => reply(msg, (b) => sock.send(b, from.port, from.address)));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, sock };
}

describe('mailns probe', () => {
  let srv: Running;
  const at = () => `127.0.0.1:${srv.port}`;
  const dir = mkdtempSync(join(tmpdir(), 'mailns-probe-'));
  const fakes: Socket[] = [];

  beforeAll(async () => { srv = await startServer(['zones']); });
  afterAll(async () => { await srv.stop(); for (const s of fakes) s.close(); rmSync(dir, { recursive: true, force: true }); });

  /** What the real server answers, passed through `edit` by a fake in front of it. */
  async function relay(edit: (answer: Buffer) => Buffer | undefined): Promise<string> {
    const upstream = createSocket('udp4');
    fakes.push(upstream);
    const f = await fake((msg, send) => {
      upstream.once('message', (a) => { const b = edit(Buffer.from(a)); if (b) send(b); });
      upstream.send(msg, srv.port, '127.0.0.1');
    });
    fakes.push(f.sock);
    return `127.0.0.1:${f.port}`;
  }

  it('takes the zone of the first zone file and exits 0 on its SOA, in one line', async () => {
    const r = await run(['probe', 'zones', '--server', at()]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`ok: ${at()} answered the SOA of example.com. (serial 2026112601) in ${/\d+/.exec(r.stdout.split(' in ')[1]!)![0]} ms\n`);
  });

  it('asks for --zone NAME when given, a reverse zone too', async () => {
    expect((await run(['probe', '--zone', '2.0.192.in-addr.arpa', '--server', at()])).code).toBe(0);
  });

  it('skips a file with only reverse: and reads the next one', async () => {
    writeFileSync(join(dir, 'a-reverse.yaml'), 'nameservers: [ns1.example.com.]\nreverse:\n  - network: 192.0.2.0/24\n');
    writeFileSync(join(dir, 'example.org.yaml'), 'nameservers: [ns1.example.com.]\n');
    const r = await run(['probe', dir, '--server', at()]);
    expect(r.stdout).toMatch(/^ok: .* the SOA of example\.org\. /);
  });

  const fails = async (args: string[], line: RegExp) => {
    const r = await run(['probe', ...args]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([expect.stringMatching(line), '']);
  };

  it('fails on a zone the server does not serve (REFUSED)', () =>
    fails(['--zone', 'example.net', '--server', at()], /^mailns probe: .* answered REFUSED to example\.net\. SOA \(it does not serve the zone\)$/));

  it('fails on a name that is not a zone apex (NODATA)', () =>
    fails(['--zone', 'www.example.com', '--server', at()], /with no SOA in the answer: www\.example\.com\. is not a zone apex there$/));

  it('fails when nothing listens', async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const port = s.address().port;
    s.close();
    await fails(['zones', '--server', `127.0.0.1:${port}`], /nothing listens there \(UDP port unreachable\)$/);
  });

  it('fails after --timeout when the server is silent', async () => {
    const f = await fake(() => { /* never answers */ });
    fakes.push(f.sock);
    await fails(['zones', '--server', `127.0.0.1:${f.port}`, '--timeout', '0.3'], /no answer from .* to example\.com\. SOA within 0\.3 s$/);
  });

  it('ignores an answer with another ID (a stray or forged datagram), and times out', async () =>
    fails(['zones', '--timeout', '0.5', '--server', await relay((a) => { a.writeUInt16BE(a.readUInt16BE(0) ^ 1, 0); return a; })], /no answer from/));

  it('fails on an answer without AA: a server not authoritative for the zone', async () =>
    fails(['zones', '--server', await relay((a) => { a[2]! &= ~0x04; return a; })], /answered example\.com\. SOA without AA: it is not authoritative for the zone$/));

  it('fails on SERVFAIL', async () =>
    fails(['zones', '--server', await relay((a) => { a[3] = (a[3]! & 0xf0) | 2; return a; })], /answered SERVFAIL to example\.com\. SOA$/));

  it('fails in one line when the zone directory is missing, or names no forward zone', async () => {
    await fails([join(dir, 'nope'), '--server', at()], /nope: no such file or directory; no zone to ask for \(--zone NAME names one\)$/);
    await fails(['zones/reverse.yaml', '--server', at()], /no zone file in zones\/reverse\.yaml names a forward zone/);
  });

  it('is a usage error (exit 2) for a bad --server, --timeout or --zone', async () => {
    for (const args of [['--server', 'localhost:53'], ['--server', '127.0.0.1:0'], ['--timeout', '0'], ['--timeout', 'soon'], ['--zone', 'a..b']]) {
      const r = await run(['probe', 'zones', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('defaults to where serve listens by default', async () => {
    const r = await run(['probe', '--help']);
    expect(r.stdout).toContain('default 127.0.0.1:5353, serve\'s');
  });
});
