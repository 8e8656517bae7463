/**
 * IXFR out (RFC 1995) from the journal, against real clients: dig, kdig
 * and dnspython (dns.query.xfr, and dns.query.inbound_xfr bringing an old
 * copy up to date), over TCP and UDP, after an edit of the YAML and SIGHUP
 * to a spawned `mailns serve`. A forward zone with generic reverse names
 * (a /24, forward: true): the change of one host moves its A record, its
 * PTR and the generic names it displaces. The expected records are written
 * here by hand. Also: an unknown serial gets the whole zone, the current
 * one our SOA alone, a change too large for a datagram our SOA alone over
 * UDP; the journal survives a restart, and is dropped when the zone served
 * is not the copy it ends at.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatKeyFile } from '../../src/config/tsig-keys.js';
import { requireDnspython } from '../helpers/dnspy.js';
import { requireTool } from '../helpers/nsd.js';
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js';
import { startServer, type Running } from '../helpers/server.js';
import { applyIxfr, axfr, ixfr } from '../helpers/xfr.js';

const run = promisify(execFile);
const havePy = requireDnspython();
const haveDig = requireTool('dig');
const haveKdig = requireTool('kdig');

const KEY = { name: 'ixfr.test.', algorithm: 'hmac-sha256', secret: Buffer.from('IXFR key of the end-to-end test!').toString('base64') };
const ZONE = 'ix.test.';
const REV = '2.0.192.in-addr.arpa.';
const V0 = `zone: ix.test.
soa: {serial: 2026120700}
nameservers: [ns1.example.net., ns2.example.net.]
hosts:
  www: {ipv4: 192.0.2.1}
  old: {ipv4: 192.0.2.2}
reverse:
  - network: 192.0.2.0/24
    generic: {name: 'ip-{dashed}.pool', forward: true}
`;
/** The edit: host old (192.0.2.2) goes, host new (192.0.2.3) comes. */
const V1 = V0.replace('2026120700', '2026120701').replace('old: {ipv4: 192.0.2.2}', 'new: {ipv4: 192.0.2.3}');

const soa = (serial: number, zone = ZONE) => `${zone} 3600 IN SOA ns1.example.net. hostmaster.ix.test. ${serial} 14400 3600 1209600 3600`;
/** RFC 1995 §4 by hand: new SOA, old SOA, deleted, new SOA, added, new SOA. */
const FORWARD = [
  soa(2026120701),
  soa(2026120700), 'old.ix.test. 3600 IN A 192.0.2.2', 'ip-192-0-2-3.pool.ix.test. 3600 IN A 192.0.2.3',
  soa(2026120701), 'new.ix.test. 3600 IN A 192.0.2.3', 'ip-192-0-2-2.pool.ix.test. 3600 IN A 192.0.2.2',
  soa(2026120701),
];
const REVERSE = [
  soa(2026120701, REV),
  soa(2026120700, REV), '2.2.0.192.in-addr.arpa. 3600 IN PTR old.ix.test.', '3.2.0.192.in-addr.arpa. 3600 IN PTR ip-192-0-2-3.pool.ix.test.',
  soa(2026120701, REV), '3.2.0.192.in-addr.arpa. 3600 IN PTR new.ix.test.', '2.2.0.192.in-addr.arpa. 3600 IN PTR ip-192-0-2-2.pool.ix.test.',
  soa(2026120701, REV),
];

/** The sequences of an IXFR reply (split at each SOA), each sorted after its SOA: the order within a sequence is ours to choose. */
function sequences(records: string[]): string[][] {
  const out: string[][] = [];
  for (const r of records) {
    if (/ IN SOA /.test(r)) out.push([r]);
    else out.at(-1)!.push(r);
  }
  return out.map(([head, ...rest]) => [head!, ...rest.sort()]);
}

const tidy = (out: string) => out.split('\n').filter((l) => l.trim() && !l.startsWith(';')).map((l) => l.trim().split(/\s+/).join(' '));

async function dig(port: number, args: string[]): Promise<string> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', ...args]);
  return stdout;
}

describe.skipIf(!havePy || !haveDig)('IXFR from the journal after an edit and SIGHUP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-ixfr-'));
  const zones = join(dir, 'zones');
  const file = join(zones, 'ix.test.yaml');
  const keyFile = join(dir, 'ixfr.key');
  const args = () => [zones, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--tsig-key', keyFile, '--allow-transfer', '127.0.0.1'];
  let s: ServeProcess;
  let v0Text: Record<string, string>;
  const restart = async () => {
    s.child.kill('SIGTERM');
    await s.exited;
    s = spawnServe(args());
    await s.waitFor((l) => l.msg === 'started');
  };
  const reload = async (text: string) => {
    const from = s.lines.length;
    writeFileSync(file, text);
    s.child.kill('SIGHUP');
    await s.waitFor((l) => l.msg === 'reloaded' || l.msg === 'reload partly failed', from);
  };

  beforeAll(async () => {
    mkdirSync(zones);
    writeFileSync(file, V0);
    writeFileSync(keyFile, formatKeyFile(KEY.name, KEY.algorithm, KEY.secret), { mode: 0o600 });
    s = spawnServe(args());
    await s.waitFor((l) => l.msg === 'started');
    // The copies a secondary would hold before the edit, as master files.
    v0Text = {};
    for (const z of [ZONE, REV]) v0Text[z] = await dig(s.port(), [z, 'AXFR', '+onesoa']);
    await reload(V1);
  }, 60_000);
  afterAll(async () => {
    s.child.kill('SIGTERM');
    await s.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('dig, over TCP and UDP, gets exactly the changed records, generic names and PTRs included', async () => {
    expect(sequences(tidy(await dig(s.port(), [ZONE, 'IXFR=2026120700'])))).toEqual(sequences(FORWARD));
    expect(sequences(tidy(await dig(s.port(), [REV, 'IXFR=2026120700'])))).toEqual(sequences(REVERSE));
    expect(sequences(tidy(await dig(s.port(), [ZONE, 'IXFR=2026120700', '+notcp'])))).toEqual(sequences(FORWARD));
    // Signed: dig verifies the reply's TSIG, over TCP and over UDP.
    for (const udp of [[], ['+notcp']]) {
      const out = await dig(s.port(), [ZONE, 'IXFR=2026120700', '-y', `hmac-sha256:${KEY.name}:${KEY.secret}`, ...udp]);
      expect(out).not.toMatch(/Couldn't verify|failure|BADSIG/);
      expect(sequences(tidy(out).filter((l) => !/ TSIG /.test(l)))).toEqual(sequences(FORWARD));
    }
  });

  it.skipIf(!haveKdig)('kdig gets the same', async () => {
    const { stdout } = await run('kdig', ['@127.0.0.1', '-p', String(s.port()), ZONE, 'IXFR=2026120700']);
    expect(sequences(tidy(stdout))).toEqual(sequences(FORWARD));
    expect(stdout).toMatch(/Received \d+ B \(1 messages, 8 records\)/);
  });

  it('dnspython: dns.query.xfr over TCP and UDP, and inbound_xfr bringing the old copy to the new one', async () => {
    for (const udp of [false, true]) {
      const r = await ixfr(s.port(), ZONE, 2026120700, { udp, key: KEY });
      expect(r.error, `udp ${udp}`).toBeUndefined();
      expect(r.messages).toBe(1);
      expect(sequences(r.records)).toEqual(sequences(FORWARD));
    }
    for (const zone of [ZONE, REV]) {
      const now = await axfr(s.port(), zone);
      for (const udpMode of ['never', 'only'] as const) {
        const applied = await applyIxfr(s.port(), zone, v0Text[zone]!, { udpMode, key: KEY });
        expect(applied.error, `${zone} ${udpMode}`).toBeUndefined();
        expect(applied.records!.sort()).toEqual([...new Set(now.records)].sort());
      }
    }
  });

  it('an unknown serial gets the whole zone; ours, or a newer one, our SOA alone, over TCP and UDP', async () => {
    const full = tidy(await dig(s.port(), [ZONE, 'IXFR=2026120500']));
    const whole = tidy(await dig(s.port(), [ZONE, 'AXFR']));
    expect(full).toEqual(whole);
    expect(full[1]).toBe('ix.test. 3600 IN NS ns1.example.net.');
    for (const serial of [2026120701, 2026120799]) {
      for (const udp of [[], ['+notcp']]) expect(tidy(await dig(s.port(), [ZONE, `IXFR=${serial}`, ...udp]))).toEqual([soa(2026120701)]);
    }
    const current = await ixfr(s.port(), ZONE, 2026120701, { udp: true });
    expect(current).toEqual({ records: [soa(2026120701)], messages: 1 });
    const log = s.lines.filter((l) => l.msg === 'transfer sent' && l.kind === 'AXFR-style IXFR');
    expect(log.at(-1)).toMatchObject({ zone: ZONE, why: 'the journal does not reach back to serial 2026120500 (it starts at 2026120700)' });
  });

  it('the journal survives a restart', async () => {
    await restart();
    expect(s.lines.find((l) => l.msg === 'IXFR journal loaded' && l.zone === ZONE)).toMatchObject({ changes: 1, from: 2026120700, serial: 2026120701 });
    expect(sequences(tidy(await dig(s.port(), [ZONE, 'IXFR=2026120700'])))).toEqual(sequences(FORWARD));
    expect(sequences((await ixfr(s.port(), REV, 2026120700, { udp: true })).records)).toEqual(sequences(REVERSE));
  });

  it('over UDP, a change too large for a datagram is our SOA alone, and the client asks again over TCP', async () => {
    const hosts = Array.from({ length: 60 }, (_, i) => `  h${i}: {ipv4: 10.0.0.${i + 1}}\n`).join('');
    await reload(readFileSync(file, 'utf8').replace('2026120701', '2026120702').replace('hosts:\n', `hosts:\n${hosts}`));
    expect(tidy(await dig(s.port(), [ZONE, 'IXFR=2026120701', '+notcp', '+ignore']))).toEqual([soa(2026120702)]);
    const tcp = tidy(await dig(s.port(), [ZONE, 'IXFR=2026120701']));
    expect(sequences(tcp)).toEqual(sequences([soa(2026120702), soa(2026120701), soa(2026120702), ...hosts.trim().split('\n').map((_, i) => `h${i}.ix.test. 3600 IN A 10.0.0.${i + 1}`), soa(2026120702)]));
    // Two changes in one reply: from 2026120700, each in its own pair of sequences.
    expect(sequences(tidy(await dig(s.port(), [ZONE, 'IXFR=2026120700']))).length).toBe(6);
    expect((await applyIxfr(s.port(), ZONE, v0Text[ZONE]!, { udpMode: 'only' })).error).toMatch(/^UseTCP/);
    const retried = await applyIxfr(s.port(), ZONE, v0Text[ZONE]!, { udpMode: 'try' });
    expect(retried.records!.sort()).toEqual([...new Set((await axfr(s.port(), ZONE)).records)].sort());
  });

  it('a journal that does not end at the copy served is dropped at start, and IXFR answers with the whole zone', async () => {
    s.child.kill('SIGTERM');
    await s.exited;
    // Edited while mailns was down: the zone starts at 2026120703, the journal ends at 2026120702.
    writeFileSync(file, readFileSync(file, 'utf8').replace('2026120702', '2026120703').replace('www: {ipv4: 192.0.2.1}', 'www: {ipv4: 192.0.2.9}'));
    s = spawnServe(args());
    await s.waitFor((l) => l.msg === 'started');
    expect(s.lines.find((l) => l.msg.startsWith('IXFR journal dropped') && l.zone === ZONE)?.msg).toBe('IXFR journal dropped: it ends at serial 2026120702, and serial 2026120703 is served');
    const full = tidy(await dig(s.port(), [ZONE, 'IXFR=2026120702']));
    expect(full).toEqual(tidy(await dig(s.port(), [ZONE, 'AXFR'])));
    expect(tidy(await dig(s.port(), [ZONE, 'IXFR=2026120703', '+notcp']))).toEqual([soa(2026120703)]);
  });
});

describe.skipIf(!haveDig)('IXFR without permission', () => {
  let closed: Running;
  beforeAll(async () => { closed = await startServer(['zones']); });
  afterAll(async () => { await closed?.stop(); });

  it('is refused as AXFR is, with EDE 18, over UDP and TCP', async () => {
    for (const udp of [[], ['+notcp']]) {
      const out = await dig(closed.port, ['example.org', 'IXFR=1', '+comments', ...udp]);
      expect(out).toContain('status: REFUSED');
      expect(out).toContain('; EDE: 18 (Prohibited)');
    }
  });
});
