/**
 * Port 53 and capabilities, as the container runtimes and systemd set them
 * up, emulated with util-linux: `unshare --net` gives a network namespace of
 * its own (as a container gets, with the sysctl
 * net.ipv4.ip_unprivileged_port_start set the way the runtime sets it), and
 * `setpriv` the user and the capability sets (bounding, inheritable,
 * ambient) the runtime would give the process. The image's own ENTRYPOINT +
 * CMD (listening on 0.0.0.0:53) runs in there, and the probe asks it.
 *
 * Needs root (to make namespaces and to change user); skipped otherwise, and
 * where the tools are missing (unless MAILNS_REQUIRE_TOOLS=1).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandOf, parseDockerfile } from '../helpers/dockerfile.js';
import { requireTool } from '../helpers/nsd.js';

const repo = process.cwd();
const tools = ['setpriv', 'unshare', 'nsenter', 'ip', 'setcap'].map(requireTool).every(Boolean);
const root = process.getuid?.() === 0;
// A sandbox may refuse new namespaces even to root (no CAP_SYS_ADMIN): nothing to emulate with then.
const canUnshare = tools && root && spawnSync('unshare', ['--net', 'true']).status === 0;

/** Docker's default capabilities (moby's oci defaults): a non-root USER gets them as bounding and inheritable only. */
const DOCKER_DEFAULT = ['chown', 'dac_override', 'fsetid', 'fowner', 'mknod', 'net_raw', 'setgid', 'setuid', 'setfcap', 'setpcap', 'net_bind_service', 'sys_chroot', 'kill', 'audit_write'];
const set = (caps: string[]) => ['-all', ...caps.map((c) => `+${c}`)].join(',');

interface Who {
  /** uid:gid, or undefined to stay root. */
  user?: string;
  bounding: string[];
  inheritable?: string[];
  ambient?: string[];
  noNewPrivs?: boolean;
}

function setpriv(w: Who): string[] {
  const [uid, gid] = (w.user ?? '').split(':');
  return [
    'setpriv', ...(w.user ? [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups'] : []),
    `--bounding-set=${set(w.bounding)}`, `--inh-caps=${set(w.inheritable ?? [])}`, `--ambient-caps=${set(w.ambient ?? [])}`,
    ...(w.noNewPrivs ? ['--no-new-privs'] : []),
  ];
}

/** The image's command line with /app as this checkout and /zones as its zones/. */
// The image's /state volume, here a directory any user may write (the image hands /state to node).
const stateVolume = mkdtempSync(join(tmpdir(), 'mailns-caps-state-'));
chmodSync(stateVolume, 0o777);
afterAll(() => rmSync(stateVolume, { recursive: true, force: true }));

function imageCommand(): string[] {
  const ins = parseDockerfile(readFileSync(join(repo, 'Dockerfile'), 'utf8'));
  const last = (op: string) => commandOf(ins.filter((i) => i.op === op).at(-1)!.args);
  return [...last('ENTRYPOINT'), ...last('CMD')].map((w, i) => (i === 0 && w === 'node' ? process.execPath : w.replace(/^\/app\//, `${repo}/`).replace(/^\/zones$/, join(repo, 'zones')).replace(/^\/state$/, stateVolume)));
}

/**
 * Starts the image's command as `who` in a fresh network namespace whose
 * sysctl is `portStart`; resolves with the probe's result once the server
 * logged "started", or with the server's exit and stderr if it ended first.
 */
function runAs(who: Who, portStart: number, node = process.execPath): Promise<{ started: boolean; code: number | null; stderr: string; probe?: { status: number | null; out: string } }> {
  const [, ...cmd] = imageCommand();
  const script = `ip link set lo up && echo ${portStart} > /proc/sys/net/ipv4/ip_unprivileged_port_start && exec "$@"`;
  // unshare, sh, setpriv and node exec each other: one pid, whose namespace nsenter joins for the probe.
  const child = spawn('unshare', ['--net', 'sh', '-c', script, 'sh', ...setpriv(who), node, ...cmd, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '', probed = false;
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ started: false, code: null, stderr: `${stderr}(no start within 20 s)` }); }, 20_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ started: false, code, stderr }); });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (probed || !/"msg":"started"/.test(stdout)) return;
      probed = true;
      child.removeAllListeners('exit');
      clearTimeout(timer);
      const p = spawnSync('nsenter', [`--net=/proc/${child.pid}/ns/net`, process.execPath, join(repo, 'dist/src/cli/main.js'), 'probe', join(repo, 'zones'), '--server', '127.0.0.1:53'], { encoding: 'utf8', timeout: 10_000 });
      child.once('exit', () => resolve({ started: true, code: 0, stderr, probe: { status: p.status, out: p.stdout + p.stderr } }));
      child.kill('SIGTERM');
    });
  });
}

const NODE_USER = '1000:1000'; // USER node in the node images

describe.runIf(canUnshare)('port 53 without setcap, as the container runtimes and systemd run it', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mailns-caps-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads the listen address from the Dockerfile: 0.0.0.0:53', () => {
    expect(imageCommand().slice(-5)).toEqual([join(repo, 'zones'), '--listen', '0.0.0.0:53', '--state-dir', stateVolume]);
  });

  const healthy = async (who: Who, portStart: number) => {
    const r = await runAs(who, portStart);
    expect(r.stderr).toBe('');
    expect(r.started).toBe(true);
    expect(r.probe).toMatchObject({ status: 0, out: expect.stringMatching(/^ok: 127\.0\.0\.1:53 answered the SOA of example\.com\./) });
  };

  // Docker 20.10+, Podman, containerd 2: the sysctl is 0 in the container's own network namespace.
  it('docker run IMAGE (user node, default capabilities): serves on 53', () =>
    healthy({ user: NODE_USER, bounding: DOCKER_DEFAULT, inheritable: DOCKER_DEFAULT }, 0));

  it('docker run --cap-drop=ALL IMAGE: serves on 53 (it needs no capability)', () =>
    healthy({ user: NODE_USER, bounding: [] }, 0));

  it('docker run --cap-drop=ALL --cap-add=NET_BIND_SERVICE IMAGE: serves on 53', () =>
    healthy({ user: NODE_USER, bounding: ['net_bind_service'], inheritable: ['net_bind_service'] }, 0));

  it('docker run --network=host IMAGE (the host sysctl, 1024): exit 1, one line naming it; --cap-add does not help user node', async () => {
    // Docker gives an added capability to a non-root user in the bounding and inheritable sets, not the ambient set.
    const r = await runAs({ user: NODE_USER, bounding: DOCKER_DEFAULT, inheritable: DOCKER_DEFAULT }, 1024);
    expect(r).toMatchObject({ started: false, code: 1 });
    expect(r.stderr).toMatch(/^mailns serve: 0\.0\.0\.0:53: permission denied \((UDP|TCP)\); ports below 1024 need CAP_NET_BIND_SERVICE \(net\.ipv4\.ip_unprivileged_port_start is 1024 here\)\n$/);
  });

  it('docker run --network=host --user root --cap-drop=ALL --cap-add=NET_BIND_SERVICE IMAGE: serves on 53', () =>
    healthy({ bounding: ['net_bind_service'] }, 1024));

  it('systemd (DynamicUser, AmbientCapabilities=CAP_NET_BIND_SERVICE, NoNewPrivileges, host sysctl 1024): serves on 53', () =>
    healthy({ user: '61234:61234', bounding: ['net_bind_service'], inheritable: ['net_bind_service'], ambient: ['net_bind_service'], noNewPrivs: true }, 1024));

  it('why not setcap: a node with file capabilities cannot even start under --cap-drop=ALL', async () => {
    const capped = join(tmp, 'node');
    copyFileSync(process.execPath, capped);
    const set = spawnSync('setcap', ['cap_net_bind_service=+ep', capped], { encoding: 'utf8' });
    if (set.status !== 0) return void console.warn(`setcap refused here (${set.stderr.trim()}); case not run`);
    const r = await runAs({ user: NODE_USER, bounding: [] }, 0, capped);
    expect(r.started).toBe(false);
    expect(r.stderr).toMatch(/failed to execute .*node: Operation not permitted/);
  });
});

describe.skipIf(canUnshare)('port 53 and capabilities', () => {
  it(`not emulated here (${!root ? 'not root' : !tools ? 'setpriv, unshare, nsenter, ip or setcap missing' : 'unshare --net refused'})`, () => {
    expect(canUnshare).toBe(false);
  });
});
