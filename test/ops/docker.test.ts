/**
 * What the Dockerfile runs, run here as a script (no Docker engine needed):
 * its FROM lines, its build steps (COPY per .dockerignore, npm ci, npm run
 * build, npm prune) in a directory standing in for each stage, then the
 * image's ENTRYPOINT + CMD with a zone directory mounted at /zones and its
 * HEALTHCHECK against it; and the same command with no zones mounted.
 *
 * npm ci runs as written, with npm's prefer-offline set in its environment:
 * packages come from the npm cache when it has them (CI's own npm ci filled
 * it), the registry only for what it lacks. That keeps the build near 20 s.
 * Node here is the one running the tests (20 in CI), not the image's 26.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulateBuild, hostArgv, parseDockerfile, type Build } from '../helpers/dockerfile.js';
import { findFreePort } from '../helpers/nsd.js';

/**
 * The Node major the image runs: the Active LTS. Node 26 "Lithium" became LTS
 * on 2026-10-28 (Node 24 "Krypton" moved to maintenance; Node 20 reached end
 * of life in April 2026). Bump with the Dockerfile at the next LTS.
 */
const LTS = 26;

const repo = process.cwd();
const work = mkdtempSync(join(tmpdir(), 'mailns-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the Dockerfile', () => {
  const text = readFileSync(join(repo, 'Dockerfile'), 'utf8');
  const ins = parseDockerfile(text);

  it(`builds and runs on node:${LTS}-slim, within package.json's engines`, () => {
    const froms = ins.filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/)[0]);
    expect(froms).toEqual([`node:${LTS}-slim`, `node:${LTS}-slim`]);
    const engines = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const min = /^>=(\d+)/.exec(engines);
    expect(min, `engines.node ${engines}`).not.toBeNull();
    expect(LTS).toBeGreaterThanOrEqual(Number(min![1]));
  });

  it('has a state directory for user node, as a volume, and serve keeps its serials there', () => {
    expect(ins.filter((i) => i.op === 'VOLUME').map((i) => i.args)).toEqual(['/state']);
    const cmd = ins.filter((i) => i.op === 'CMD').at(-1)!.args;
    expect(JSON.parse(cmd) as string[]).toEqual(expect.arrayContaining(['--state-dir', '/state']));
    // Made and handed to node before USER node: the user cannot create it under / itself.
    const run = ins.findIndex((i) => i.op === 'RUN' && /mkdir -p \/state && chown node \/state/.test(i.args));
    expect(run).toBeGreaterThan(ins.findLastIndex((i) => i.op === 'FROM'));
    expect(run).toBeLessThan(ins.findIndex((i) => i.op === 'USER'));
  });

  it('ships no zones, sets no file capability, and runs as a user that is not root', () => {
    expect(ins.filter((i) => i.op === 'COPY' && /(^|\s)zones(\s|$)|\/zones\b/.test(i.args))).toEqual([]);
    expect(ins.filter((i) => i.op === 'RUN' && /setcap|libcap/.test(i.args))).toEqual([]);
    expect(ins.filter((i) => i.op === 'USER').map((i) => i.args)).toEqual(['node']);
  });
});

describe('the image, emulated', () => {
  let build: Build;
  let port = 0;
  let server: ChildProcess | undefined;
  let serverErr = '';
  const zones = join(work, 'mounted-zones');
  const state = join(work, 'state-volume');

  beforeAll(() => {
    build = emulateBuild(repo, join(work, 'root'), { npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' });
    cpSync(join(repo, 'zones'), zones, { recursive: true });
  }, 120_000);
  afterAll(() => { server?.kill('SIGTERM'); });

  const app = () => join(build.final.root, 'app');
  /** The image's command line with /zones mounted from `mount` and port 53 moved to a free port. */
  const argv = (cmd: readonly string[], mount: string) => hostArgv(build.final, cmd, { '/zones': mount, '/state': state }, (w) => w.replace(/^(0\.0\.0\.0|127\.0\.0\.1):53$/, `127.0.0.1:${port}`));
  const image = (mount: string) => argv([...build.final.entrypoint!, ...build.final.cmd!], mount);
  const health = () => {
    const [cmd, ...args] = argv(build.final.healthcheck!.cmd, zones);
    return spawnSync(cmd!, args, { encoding: 'utf8', timeout: 10_000 });
  };

  it('has the compiled CLI and only production dependencies in the runtime stage', () => {
    expect(existsSync(join(app(), 'dist/src/cli/main.js'))).toBe(true);
    expect(existsSync(join(app(), 'node_modules/pino'))).toBe(true);
    for (const dev of ['typescript', 'vitest', '@types/node']) expect(existsSync(join(app(), 'node_modules', dev)), dev).toBe(false);
    expect(existsSync(join(app(), 'src')), 'sources stay in the build stage').toBe(false);
    expect(existsSync(join(build.final.root, 'zones'))).toBe(false);
    expect(existsSync(join(build.final.root, 'state'))).toBe(true);
    expect(build.final.owners['/state']).toBe('node');
    expect(build.final.volumes).toEqual(['/state']);
  });

  it('serves the mounted zones, and its HEALTHCHECK says healthy', async () => {
    port = await findFreePort();
    const [cmd, ...args] = image(zones);
    expect(args.slice(1)).toEqual(['serve', zones, '--listen', `127.0.0.1:${port}`, '--state-dir', state]);
    server = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    server.stderr!.on('data', (d: Buffer) => { serverErr += d.toString(); });
    // Docker runs the check every --interval; here every 100 ms until it passes or the start period ends.
    const start = Number.parseInt(build.final.healthcheck!.options['start-period'] ?? '10', 10) * 1000;
    let r = health();
    for (const end = Date.now() + start; r.status !== 0 && Date.now() < end; r = health()) await new Promise((ok) => setTimeout(ok, 100));
    expect(serverErr).toBe('');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ok: 127\\.0\\.0\\.1:${port} answered the SOA of example\\.com\\. \\(serial \\d+\\) in \\d+ ms\\n$`));
    expect(existsSync(join(state, 'serials.json'))).toBe(true);
  });

  it('the HEALTHCHECK says unhealthy, in one line, once the server is gone', async () => {
    server?.kill('SIGTERM');
    await new Promise((ok) => server!.once('exit', ok));
    server = undefined;
    const r = health();
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('started with nothing mounted at /zones (missing or an empty volume): one line, exit 1', () => {
    const empty = join(work, 'empty-volume');
    mkdirSync(empty);
    for (const mount of [join(work, 'not-mounted'), empty]) {
      const [cmd, ...args] = image(mount);
      const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: 10_000 });
      expect(r.status, mount).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^mailns serve: .*; nothing to serve\n$/);
    }
  });
});
