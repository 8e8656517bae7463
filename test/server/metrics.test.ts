/**
 * `serve --metrics HOST:PORT` (issue 17, observability): a spawned server,
 * queried by dig, scraped over HTTP; the text is parsed by the Prometheus
 * project's own Python client (python3-prometheus-client), a parser we did
 * not write. Counts are what dig sent; zone gauges are what is served; a
 * reload is counted; labels stay in a closed set whatever the client sends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, get } from 'node:http';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, requireTool } from '../helpers/nsd.js';
import { requireModules } from '../helpers/mailcheck.js';

const why = { note: '' };
const ready = requireTool('dig') && requireModules(['prometheus_client.parser'], why);
let child: ChildProcess | undefined;
let dnsPort = 0, httpPort = 0;
/** A stand-in secondary: acknowledges every NOTIFY (the same message back with QR set, RFC 1996 §4.7). */
const secondary = createSocket('udp4');
let notifies = 0;
secondary.on('message', (m, from) => { notifies++; const r = Buffer.from(m); r[2] = r[2]! | 0x80; secondary.send(r, from.port, from.address); });
let log = '';

const fetchText = (path: string) => new Promise<{ status: number; body: string; type: string }>((res, rej) => {
  get({ host: '127.0.0.1', port: httpPort, path }, (r) => {
    let body = '';
    r.on('data', (d: Buffer) => { body += d.toString(); });
    r.on('end', () => res({ status: r.statusCode ?? 0, body, type: String(r.headers['content-type']) }));
  }).on('error', rej);
});

/** Every sample, parsed by prometheus_client: "name{label=value,...}" → value. */
function parse(text: string): Map<string, number> {
  const py = `import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = {}
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        out[s.name + '{' + ','.join(k + '=' + v for k, v in sorted(s.labels.items())) + '}'] = s.value
print(json.dumps(out))`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { input: text, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, number>));
}

const dig = (...args: string[]) => spawnSync('dig', ['@127.0.0.1', '-p', String(dnsPort), '+tries=1', '+time=2', ...args], { encoding: 'utf8' });

beforeAll(async () => {
  if (!ready) return;
  dnsPort = await findFreePort();
  httpPort = await findFreePort();
  await new Promise<void>((ok) => secondary.bind(0, '127.0.0.1', () => ok()));
  child = spawn(process.execPath, ['dist/src/cli/main.js', 'serve', 'zones', '--listen', `127.0.0.1:${dnsPort}`, '--metrics', `127.0.0.1:${httpPort}`, '--log-format', 'json',
    '--allow-transfer', '127.0.0.1', '--notify', `127.0.0.1@${secondary.address().port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  for (const end = Date.now() + 15_000; !/"msg":"started"/.test(log) && Date.now() < end;) await new Promise((ok) => setTimeout(ok, 50));
});
afterAll(() => { child?.kill('SIGTERM'); secondary.close(); });

describe.skipIf(!ready)('serve --metrics', () => {
  it('counts what was asked, by transport, type and rcode, and the zones served; parses as Prometheus text', async () => {
    for (let i = 0; i < 3; i++) dig('example.com', 'MX');
    dig('nosuch.example.com', 'A');
    dig('+tcp', 'example.com', 'SOA');
    dig('example.net', 'A'); // not ours: REFUSED
    const r = await fetchText('/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parse(r.body);
    expect(m.get('mailns_queries_total{qtype=MX,rcode=NOERROR,transport=udp}')).toBe(3);
    expect(m.get('mailns_queries_total{qtype=A,rcode=NXDOMAIN,transport=udp}')).toBe(1);
    expect(m.get('mailns_queries_total{qtype=SOA,rcode=NOERROR,transport=tcp}')).toBe(1);
    expect(m.get('mailns_queries_total{qtype=A,rcode=REFUSED,transport=udp}')).toBe(1);
    expect(m.get('mailns_response_size_bytes_count{transport=udp}')).toBe(5);
    expect(m.get('mailns_zones{}')).toBe(5);
    // The serial dig sees is the one the gauge reports.
    const serial = Number(dig('+short', 'example.com', 'SOA').stdout.trim().split(/\s+/)[2]);
    expect(m.get('mailns_zone_serial{zone=example.com.}')).toBe(serial);
    expect(m.get('mailns_zone_records{zone=example.org.}')).toBeGreaterThan(0);
    expect(m.get('mailns_reloads_total{outcome=ok}')).toBe(0);
  });

  it('query types outside the type table are one label value, "other": a client cannot grow the registry', async () => {
    for (let t = 60000; t < 60040; t++) dig('example.com', `TYPE${t}`);
    const m = parse((await fetchText('/metrics')).body);
    expect(m.get('mailns_queries_total{qtype=other,rcode=NOERROR,transport=udp}')).toBe(40);
    expect([...m.keys()].filter((k) => /TYPE6\d{4}/.test(k))).toEqual([]);
  });

  it('transfers by zone, kind and outcome; NOTIFY by outcome', async () => {
    expect(dig('+tcp', 'example.org', 'AXFR').stdout).toMatch(/example\.org\.\s+\d+\s+IN\s+SOA/);
    // example.com. has generic names of a /48: too many to list, so it cannot be transferred.
    expect(dig('+tcp', 'example.com', 'AXFR').stdout).toContain('Transfer failed');
    dig('+tcp', 'nosuch.test', 'AXFR');
    // Every NOTIFY the stand-in answered has been logged as acknowledged (the log reaches us through a pipe, after the count).
    const acks = () => (log.match(/notify acknowledged/g) ?? []).length;
    for (const end = Date.now() + 10_000; (notifies === 0 || acks() < notifies) && Date.now() < end;) await new Promise((ok) => setTimeout(ok, 50));
    const m = parse((await fetchText('/metrics')).body);
    expect(m.get('mailns_transfers_total{kind=AXFR,outcome=started,zone=example.org.}')).toBe(1);
    expect(m.get('mailns_transfers_total{kind=AXFR,outcome=refused,zone=example.com.}')).toBe(1);
    expect(m.get('mailns_transfers_total{kind=AXFR,outcome=refused,zone=other}')).toBe(1);
    // Every zone of the first load was announced, and each acknowledgement counted.
    expect(notifies).toBeGreaterThan(0);
    expect(m.get('mailns_notify_total{outcome=acknowledged}')).toBe(notifies);
    expect(m.get('mailns_notify_total{outcome=acknowledged}')).toBeGreaterThan(0);
  });

  it('a reload is counted; /health is 200 while serving; other paths 404', async () => {
    const before = log.length;
    process.kill(child!.pid!, 'SIGHUP');
    for (const end = Date.now() + 15_000; !/"msg":"reloaded"/.test(log.slice(before)) && Date.now() < end;) await new Promise((ok) => setTimeout(ok, 50));
    const m = parse((await fetchText('/metrics')).body);
    expect(m.get('mailns_reloads_total{outcome=ok}')).toBe(1);
    expect(await fetchText('/health')).toMatchObject({ status: 200, body: 'serving\n' });
    expect((await fetchText('/nosuch')).status).toBe(404);
  });
});

describe('serve --metrics without a server to talk to', () => {
  it('a bad address is a usage error in one line (exit 2)', () => {
    const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', 'zones', '--metrics', 'localhost'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('mailns serve: --metrics localhost: expected ADDRESS:PORT, or [IPv6]:PORT (e.g. 127.0.0.1:9153, [::1]:9153)');
  });

  it('a metrics port in use: exit 1, one line naming it', async () => {
    const port = await findFreePort();
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(port, '127.0.0.1', () => res()));
    try {
      const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', 'zones', '--listen', '127.0.0.1:0', '--metrics', `127.0.0.1:${port}`, '--log-level', 'silent'], { encoding: 'utf8', timeout: 10_000 });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(`mailns serve: 127.0.0.1:${port} is in use (HTTP, --metrics)`);
    } finally {
      await new Promise<void>((res) => blocker.close(() => res()));
    }
  });
});
