/**
 * Private keys stay out of version control: `mailns dkim keygen` (and `init`,
 * which shares its code) warns on stderr when the private key lands in a git
 * work tree that does not ignore it, as `git check-ignore` says; outside a
 * work tree, or without git, it says nothing. Spawned CLI, run in temp dirs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTool } from '../helpers/nsd.js';

const CLI = resolve('dist/src/cli/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'mailns-keys-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
// No user or system git configuration (a global excludesFile would change the answer).
const ENV = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

let n = 0;
function repo(gitignore?: string): string {
  const dir = join(tmp, `r${n++}`);
  mkdirSync(dir);
  if (gitignore !== undefined) {
    expect(spawnSync('git', ['init', '-q'], { cwd: dir, env: ENV }).status).toBe(0);
    writeFileSync(join(dir, '.gitignore'), gitignore);
  }
  return dir;
}
const run = (cwd: string, args: string[], env: NodeJS.ProcessEnv = ENV) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: 'utf8', timeout: 30_000 });
const keygen = (cwd: string, env?: NodeJS.ProcessEnv) => run(cwd, ['dkim', 'keygen', '--zone', 'a.test', '--selector', 's1', '--type', 'ed25519'], env);
const WARNING = /^warning: keys\.private\/a\.test\/s1\.private\.pem is inside a git work tree that does not ignore it; add "keys\.private\/" to its \.gitignore/m;

describe.skipIf(!hasTool('git'))('the private key and git', () => {
  it('keygen in a git work tree whose .gitignore does not list keys.private/: a warning on stderr, the key still written', () => {
    const dir = repo('node_modules/\n');
    const r = keygen(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(WARNING);
    expect(r.stdout).toContain('private key (for the mail server, mode 0600): keys.private/a.test/s1.private.pem');
  });

  it('keygen in a git work tree that ignores keys.private/ (or *.pem): no warning', () => {
    for (const ignore of ['keys.private/\n', '*.private.pem\n']) {
      const r = keygen(repo(ignore));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
  });

  it('a key git already tracks is not ignored, whatever .gitignore says: a warning', () => {
    const dir = repo('keys.private/\n');
    expect(keygen(dir).stderr).toBe('');
    expect(spawnSync('git', ['add', '-f', 'keys.private'], { cwd: dir, env: ENV }).status).toBe(0);
    const r = run(dir, ['dkim', 'keygen', '--zone', 'a.test', '--selector', 's1', '--type', 'ed25519', '--force']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(WARNING);
  });

  it('outside any work tree, or with no git on PATH: no warning', () => {
    expect(keygen(repo()).stderr).toBe('');
    const r = keygen(repo('node_modules/\n'), { ...ENV, PATH: '/nonexistent' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('init warns the same way, and not when the work tree ignores the key', () => {
    const args = ['init', 'a.test', '--mail-ip', '203.0.113.4'];
    const warned = run(repo('zones/keys/\n'), args);
    expect(warned.status, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/^warning: keys\.private\/a\.test\/s\d{6}\.private\.pem is inside a git work tree that does not ignore it/m);
    const quiet = run(repo('keys.private/\n'), args);
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});
