/**
 * contrib/mailns.service: systemd-analyze verify finds nothing to say about
 * it (an unknown key or a missing binary is only a warning there, so the
 * output must be empty, not just the status 0), its ExecStart= is a command
 * line mailns accepts and serves with, ExecReload= keeps it serving, and its
 * exposure stays low. The unit's capability sets are played in caps.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort, requireTool } from '../helpers/nsd.js';

const repo = process.cwd();
const unit = readFileSync(join(repo, 'contrib/mailns.service'), 'utf8');
const INSTALLED = '/usr/local/bin/mailns'; // where npm install -g puts the command
const tmp = mkdtempSync(join(tmpdir(), 'mailns-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The directives, comments dropped: key → values in order. */
function directives(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const d = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (d) m.set(d[1]!, [...(m.get(d[1]!) ?? []), d[2]!]);
  }
  return m;
}
const dir = directives(unit);

describe('contrib/mailns.service', () => {
  it('runs the installed command, sandboxed, with CAP_NET_BIND_SERVICE only', () => {
    expect(dir.get('ExecStart')![0]!.startsWith(`${INSTALLED} serve /etc/mailns/zones `)).toBe(true);
    expect(dir.get('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    for (const [k, v] of Object.entries({
      DynamicUser: 'yes', AmbientCapabilities: 'CAP_NET_BIND_SERVICE', CapabilityBoundingSet: 'CAP_NET_BIND_SERVICE', NoNewPrivileges: 'yes',
      ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', PrivateDevices: 'yes', Restart: 'on-failure',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
    })) expect(dir.get(k), k).toEqual([v]);
    expect(dir.get('SystemCallFilter')).toContain('@system-service');
    // V8's JIT needs writable and executable pages; a capability in a user namespace cannot bind 53 on the host.
    expect(dir.has('MemoryDenyWriteExecute')).toBe(false);
    expect(dir.has('PrivateUsers')).toBe(false);
  });

  // verify checks that ExecStart='s binary exists: the installed path becomes this Node and this checkout's CLI.
  const local = unit.replaceAll(INSTALLED, `${process.execPath} ${join(repo, 'dist/src/cli/main.js')}`);
  const path = join(tmp, 'mailns.service');
  writeFileSync(path, local);
  const analyze = requireTool('systemd-analyze');

  it.runIf(analyze)('systemd-analyze verify: no warning at all', () => {
    const r = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.runIf(analyze)('systemd-analyze security: exposure 2.0 or less', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', path], { encoding: 'utf8' });
    const level = /Overall exposure level for mailns\.service: ([\d.]+)/.exec(r.stdout);
    expect(level, r.stdout + r.stderr).not.toBeNull();
    console.log(`systemd-analyze security: exposure ${level![1]} (0 is best, 10 worst)`);
    expect(Number(level![1])).toBeLessThanOrEqual(2.0);
  });

  it('its ExecStart= serves (zones and port moved here), and keeps serving after ExecReload=', async () => {
    const port = await findFreePort();
    const words = local.match(/^ExecStart=(.*)$/m)![1]!.split(/\s+/)
      .map((w) => (w === '/etc/mailns/zones' ? join(repo, 'zones') : w === '0.0.0.0:53' ? `127.0.0.1:${port}` : w === '[::]:53' ? `[::1]:${port}` : w));
    const child = spawn(words[0]!, words.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => { log += d.toString(); });
    const probe = () => spawnSync(process.execPath, ['dist/src/cli/main.js', 'probe', 'zones', '--server', `127.0.0.1:${port}`], { encoding: 'utf8' });
    const probe6 = () => spawnSync(process.execPath, ['dist/src/cli/main.js', 'probe', 'zones', '--server', `[::1]:${port}`], { encoding: 'utf8' });
    try {
      const until = async (pattern: RegExp) => { for (const end = Date.now() + 10_000; !pattern.test(log) && Date.now() < end;) await new Promise((ok) => setTimeout(ok, 50)); };
      await until(/"msg":"started"/);
      expect(probe().status).toBe(0);
      expect(probe6().status).toBe(0);
      // ExecReload=/bin/kill -HUP $MAINPID
      expect(spawnSync('/bin/kill', ['-HUP', String(child.pid)]).status).toBe(0);
      await until(/"msg":"reloaded"/);
      expect(log).toMatch(/"msg":"reloaded"/);
      expect(probe().status).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
