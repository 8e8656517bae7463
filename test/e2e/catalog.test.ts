/**
 * Issue 17: `serve --catalog` as a spawned process: dig transfers the catalog
 * (under --allow-transfer like any zone) and it lists each zone served once,
 * with version TXT "2"; named-checkzone accepts it; a zone file added and
 * SIGHUP give one more member, a higher serial and a NOTIFY of the catalog;
 * a catalog name inside a served zone is a usage error (exit 2).
 */
import { execFile, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { memberId } from '../../src/synth/catalog.js';
import { parseZoneName } from '../../src/util/name.js';
import { requireTool } from '../helpers/nsd.js';
import { CLI, spawnServe, type ServeProcess } from '../helpers/serve-process.js';

const run = promisify(execFile);
const haveDig = requireTool('dig');
const haveCheck = requireTool('named-checkzone');

const dir = mkdtempSync(join(tmpdir(), 'mailns-catalog-e2e-'));
const zones = join(dir, 'zones');
const procs: ServeProcess[] = [];
afterAll(() => { for (const p of procs) p.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

const zone = (name: string) => writeFileSync(join(zones, `${name}.yaml`), `zone: ${name}.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  www: {ipv4: 192.0.2.1}\n`);

async function axfr(port: number): Promise<string[]> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', '+nocmd', '+nostats', 'catalog.invalid.', 'AXFR']);
  return stdout.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).join(' '));
}

/** The question name of a DNS message (no compression in a question we send or get). */
function qname(msg: Buffer): string {
  const labels: string[] = [];
  for (let i = 12; msg[i]! > 0; i += msg[i]! + 1) labels.push(msg.subarray(i + 1, i + 1 + msg[i]!).toString('latin1'));
  return labels.join('.') + '.';
}

describe.skipIf(!haveDig)('serve --catalog', () => {
  it('transfers a catalog of every zone, which grows by one member and is notified on SIGHUP', async () => {
    spawnSync('mkdir', ['-p', zones]);
    zone('a.test'); zone('b.test'); zone('c.test');
    // The NOTIFY target: a UDP socket that answers every NOTIFY (same ID, QR set) and remembers the zones.
    const notified: string[] = [];
    const sock = createSocket('udp4');
    sock.on('message', (m, r) => {
      notified.push(qname(m));
      const reply = Buffer.from(m.subarray(0, 12));
      reply[2] = reply[2]! | 0x80;
      reply.writeUInt16BE(0, 4); reply.writeUInt16BE(0, 6); reply.writeUInt16BE(0, 8); reply.writeUInt16BE(0, 10);
      sock.send(reply, r.port, r.address);
    });
    await new Promise<void>((ok) => sock.bind(0, '127.0.0.1', ok));
    const np = sock.address().port;
    try {
      const p = spawnServe([zones, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--catalog', 'catalog.invalid.', '--allow-transfer', '127.0.0.1', '--notify', `127.0.0.1@${np}`]);
      procs.push(p);
      await p.waitFor((l) => l.msg === 'started');
      const port = p.port();
      const loaded = p.lines.filter((l) => l.msg === 'zone loaded').map((l) => l.zone);
      expect(loaded).toContain('catalog.invalid.');

      const rrs = await axfr(port);
      // AXFR: SOA first and last (RFC 5936 §2.2), then the apex NS, version and the members.
      expect(rrs[0]).toMatch(/^catalog\.invalid\. 0 IN SOA invalid\. invalid\. \d+ 3600 600 2147483646 0$/);
      expect(rrs.at(-1)).toBe(rrs[0]);
      expect(rrs).toContain('catalog.invalid. 0 IN NS invalid.');
      expect(rrs).toContain('version.catalog.invalid. 0 IN TXT "2"');
      const ptrs = rrs.filter((l) => l.includes(' PTR ')).sort();
      expect(ptrs).toEqual(['a.test', 'b.test', 'c.test'].map((z) => `${memberId(parseZoneName(z))}.zones.catalog.invalid. 0 IN PTR ${z}.`).sort());
      const serial = Number(rrs[0]!.split(' ')[6]);

      if (haveCheck) {
        const file = join(dir, 'catalog.zone');
        writeFileSync(file, rrs.slice(0, -1).join('\n') + '\n');
        const c = spawnSync('named-checkzone', ['catalog.invalid.', file], { encoding: 'utf8' });
        expect(c.stdout + c.stderr).toMatch(/OK/);
        expect(c.status).toBe(0);
      }

      // Every zone and the catalog are notified after the start.
      await expect.poll(() => notified.filter((z) => z === 'catalog.invalid.').length, { timeout: 10_000 }).toBe(1);
      const from = p.lines.length;
      zone('d.test');
      p.child.kill('SIGHUP');
      await p.waitFor((l) => l.msg.startsWith('reload'), from);
      const after = await axfr(port);
      expect(after.filter((l) => l.includes(' PTR ')).sort()).toEqual([...ptrs, `${memberId(parseZoneName('d.test'))}.zones.catalog.invalid. 0 IN PTR d.test.`].sort());
      expect(Number(after[0]!.split(' ')[6])).toBe(serial + 1);
      await expect.poll(() => notified.filter((z) => z === 'catalog.invalid.').length, { timeout: 10_000 }).toBe(2);
      // The unchanged zones are not notified again.
      expect(notified.filter((z) => z === 'a.test.')).toHaveLength(1);
    } finally {
      sock.close();
    }
  }, 60_000);

  it('a catalog name inside a served zone is a usage error, exit 2', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', zones, '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state2'), '--catalog', 'x.a.test.'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['mailns serve: --catalog x.a.test.: the catalog x.a.test. is inside the zone a.test., which we serve']);
  });
});
