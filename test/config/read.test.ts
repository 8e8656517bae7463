/**
 * Reading zone files: what is not a small regular file is a `read` finding
 * at file:1:1 that says what it is, found at once, and the other zones of the
 * directory still load. A FIFO would otherwise block the load (and `check`,
 * `serve` and a SIGHUP reload with it) until something writes to it, and
 * /dev/zero never end it: so `check` runs in a child process with a time
 * limit, which the old reader overran.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_ZONE_FILE, readRegularFile, readYaml } from '../../src/config/source.js';

const dir = mkdtempSync(join(tmpdir(), 'mailns-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OK = 'zone: ok.test.\nnameservers: [ns1.example.net., ns2.example.net.]\n';

interface Finding { file: string; line: number; col: number; rule: string; message: string }

function check(zones: string): { status: number | null; zones: string[]; problems: Finding[] } {
  const c = spawnSync(process.execPath, ['dist/src/cli/main.js', 'check', zones, '--format', 'json'], { encoding: 'utf8', timeout: 20_000 });
  expect(c.error, 'check did not finish within 20 s').toBeUndefined();
  const out = JSON.parse(c.stdout) as { zones: { zone: string }[]; problems: Finding[] };
  return { status: c.status, zones: out.zones.map((z) => z.zone), problems: out.problems };
}

describe('zone files that are not small regular files', () => {
  it.skipIf(process.platform === 'win32')('a FIFO, a link to /dev/zero and an oversized file are findings; the other zone loads', () => {
    const z = join(dir, 'zones');
    mkdirSync(z);
    writeFileSync(join(z, 'ok.test.yaml'), OK);
    expect(spawnSync('mkfifo', [join(z, 'fifo.test.yaml')]).status).toBe(0);
    symlinkSync('/dev/zero', join(z, 'zero.test.yaml'));
    // Sparse: 65 MiB long, no blocks on disk.
    writeFileSync(join(z, 'big.test.yaml'), '');
    truncateSync(join(z, 'big.test.yaml'), 65 * 2 ** 20);
    mkdirSync(join(z, 'dir.test.yaml'));

    const r = check(z);
    expect(r.status).toBe(1);
    expect(r.zones).toEqual(['ok.test.']);
    expect(r.problems.map((p) => `${p.file.slice(z.length + 1)}:${p.line}:${p.col} ${p.rule} ${p.message}`)).toEqual([
      'big.test.yaml:1:1 read the zone file is 65 MiB, over the 64 MiB limit',
      'dir.test.yaml:1:1 read the zone file is a directory, not a regular file',
      'fifo.test.yaml:1:1 read the zone file is a FIFO, not a regular file',
      'zero.test.yaml:1:1 read the zone file is a character device, not a regular file',
    ]);
  });

  it('a file of exactly the limit is read; a missing file is the system\'s error', () => {
    expect(MAX_ZONE_FILE).toBe(64 * 2 ** 20);
    const f = join(dir, 'small.yaml');
    writeFileSync(f, 'x'.repeat(100));
    expect(readRegularFile(f, 100)).toBe('x'.repeat(100));
    expect((readRegularFile(f, 99) as Error).message).toBe('100 octets, over the 99 octets limit');
    const missing = readYaml(join(dir, 'nothing.yaml'), 'nothing.yaml');
    expect(missing.problems).toHaveLength(1);
    expect(missing.problems[0]).toMatchObject({ file: 'nothing.yaml', line: 1, col: 1, rule: 'read' });
    expect(missing.problems[0]!.message).toContain('ENOENT');
  });

  it.skipIf(!existsSync('/proc/self/status'))('a file that says it is empty but is not is still read only to the limit', () => {
    // /proc files report size 0; what is read is counted, not what stat said.
    const r = readRegularFile('/proc/self/status', 16);
    expect(r).toBeInstanceOf(Error);
    expect((r as Error).message).toBe('more than 16 octets, over the 16 octets limit');
    expect(readRegularFile('/proc/self/status', 1 << 20)).toMatch(/^Name:/);
  });
});
