/**
 * `mailns serve` with nothing to serve (the container started without its
 * zones mounted): one line on stderr and exit 1, before anything is bound.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'mailns-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const serve = (...args: string[]) => spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve', ...args, '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 10_000 });

describe('mailns serve with nothing to serve', () => {
  it('a missing directory: one line, exit 1, nothing on stdout', () => {
    const r = serve(join(dir, 'zones'));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`mailns serve: ${join(dir, 'zones')}: no such file or directory; nothing to serve\n`);
  });

  it('an empty directory (an empty volume): one line, exit 1', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = serve(empty);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`mailns serve: no zone files (*.yaml, *.yml) in ${empty}; nothing to serve\n`);
  });

  it('only zone files with errors: their findings logged, then one line, exit 1', () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'x.test.yaml'), 'nameservers: 3\n');
    const r = serve(bad, '--log-format', 'json');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('"zone not loaded"');
    expect(r.stderr).toBe('mailns serve: no zone loaded: 1 zone file(s) with errors (logged above); nothing to serve\n');
  });
});
