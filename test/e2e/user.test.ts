/**
 * serve --user (src/cli/privileges.ts): bound as root, then running as the
 * user, with the state directory given to it (0700, files 0600), still
 * answering and reloading; an unknown user is refused before anything is
 * bound. Needs root (CI runs as root; elsewhere it is skipped, or fails
 * under MAILNS_REQUIRE_TOOLS=1).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { CLI, spawnServe } from '../helpers/serve-process.js';
import { accountOf } from '../../src/cli/privileges.js';

const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root && process.env.MAILNS_REQUIRE_TOOLS === '1') throw new Error('serve --user needs the tests to run as root (MAILNS_REQUIRE_TOOLS=1)');

const zone = (addr: string) => `zone: u.test.\nnameservers: [ns1.example.net., ns2.example.net.]\nhosts:\n  www: {ipv4: ${addr}}\n`;

describe.skipIf(!root)('serve --user', () => {
  let dir: string;
  const nobody = accountOf('nobody', '--user');
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailns-user-'));
    // The user reads the zone files on reload: the directory is open to it.
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'zones'), { mode: 0o755 });
    writeFileSync(join(dir, 'zones', 'u.test.yaml'), zone('192.0.2.1'), { mode: 0o644 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('binds as root, then runs as the user, owns its state directory, answers and reloads', async () => {
    const s = spawnServe([join(dir, 'zones'), '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--user', 'nobody']);
    try {
      const started = await s.waitFor((l) => l.msg === 'started');
      expect(started.user).toBe('nobody');
      const status = readFileSync(`/proc/${s.child.pid}/status`, 'utf8');
      expect(/^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status)!.slice(1).map(Number)).toEqual([nobody.uid, nobody.uid, nobody.uid, nobody.uid]);
      expect(/^Gid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status)!.slice(1).map(Number)).toEqual([nobody.gid, nobody.gid, nobody.gid, nobody.gid]);
      // The supplementary groups are the user's (initgroups), none of root's.
      const groups = (/^Groups:\s*(.*)$/m.exec(status)![1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
      expect(groups).not.toContain(0);
      const state = statSync(join(dir, 'state'));
      expect([state.uid, state.mode & 0o777]).toEqual([nobody.uid, 0o700]);
      const serials = statSync(join(dir, 'state', 'serials.json'));
      expect([serials.uid, serials.mode & 0o777]).toEqual([nobody.uid, 0o600]);
      expect((await dig(s.port(), ['www.u.test', 'A'])).answer).toEqual(['www.u.test. 3600 IN A 192.0.2.1']);
      // A reload reads the zone as the user, and writes the new serial into the state it owns.
      writeFileSync(join(dir, 'zones', 'u.test.yaml'), zone('192.0.2.2'));
      const from = s.lines.length;
      s.child.kill('SIGHUP');
      const before = readFileSync(join(dir, 'state', 'serials.json'), 'utf8');
      await s.waitFor((l) => l.msg === 'reloaded', from);
      expect((await dig(s.port(), ['www.u.test', 'A'])).answer).toEqual(['www.u.test. 3600 IN A 192.0.2.2']);
      // The new content's serial was written by the user into the state it owns.
      expect(readFileSync(join(dir, 'state', 'serials.json'), 'utf8')).not.toBe(before);
      expect(s.lines.filter((l) => /not writable/.test(l.msg))).toEqual([]);
    } finally {
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    }
  });

  it('an unknown user is a usage error before anything is loaded or bound', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', join(dir, 'zones'), '--listen', '127.0.0.1:0', '--user', 'no-such-user-here'], { encoding: 'utf8' });
    expect([r.status, r.stderr.trim()]).toEqual([2, 'mailns serve: --user no-such-user-here: no such user in /etc/passwd']);
  });
});
