/**
 * `mailns diff` (issue 16): what would change in the published records, as
 * spawned processes. The expected lines are written from the zone files and
 * DNS: owners in canonical order (RFC 4034 §6.1), types by number, a removed
 * record before the one that replaces it, a TTL change as - and +.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = resolve('dist/src/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'mailns-diff-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (args: string[], cwd?: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000, cwd });
const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.test', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const write = (d: string, files: Record<string, string>) => {
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
};

const A_OLD = `zone: a.test.
defaults: {ttl: 1h}
soa: {serial: 2026010101}
nameservers: [ns1.a.test., ns2.example.net.]
hosts:
  ns1: {ipv4: 192.0.2.53}
  mail: {ipv4: 192.0.2.25}
  www: {ipv4: 192.0.2.80}
mail:
  mx: [{host: mail, preference: 10}]
  spf: {hosts: [mail], all: fail}
  dmarc: {p: reject}
`;
// The MX preference, the TTL of www, a new host, and the SPF gains a network.
const A_NEW = A_OLD.replace('2026010101', '2026010102').replace('preference: 10', 'preference: 20')
  .replace('www: {ipv4: 192.0.2.80}', 'www: {ipv4: 192.0.2.80, ttl: 5m}\n  ftp: {ipv4: 192.0.2.21}')
  .replace('spf: {hosts: [mail], all: fail}', 'spf: {hosts: [mail], ip4: [198.51.100.0/24], all: fail}');
const B = `zone: b.test.
soa: {serial: 7}
nameservers: [ns1.a.test., ns2.example.net.]
hosts:
  '': {ipv4: 192.0.2.90}
`;

describe('mailns diff OLD NEW', () => {
  const old = write(join(dir, 'old'), { 'a.test.yaml': A_OLD, 'b.test.yaml': B });
  const now = write(join(dir, 'new'), { 'a.test.yaml': A_NEW });

  it('an MX, a TTL, a new host, an SPF change and a removed zone: exactly those records, exit 1', () => {
    const r = cli(['diff', old, now]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe([
      // MX at the apex (type 15), then the apex TXT (16) that mail.spf makes, then the names below in label order.
      'zone a.test.: 4 added, 3 removed (SOA serial 2026010101 -> 2026010102)',
      '-a.test.\t3600\tIN\tMX\t10 mail.a.test.',
      '+a.test.\t3600\tIN\tMX\t20 mail.a.test.',
      '-a.test.\t3600\tIN\tTXT\t"v=spf1 ip4:192.0.2.25 -all"',
      '+a.test.\t3600\tIN\tTXT\t"v=spf1 ip4:192.0.2.25 ip4:198.51.100.0/24 -all"',
      '+ftp.a.test.\t3600\tIN\tA\t192.0.2.21',
      '-www.a.test.\t3600\tIN\tA\t192.0.2.80',
      '+www.a.test.\t300\tIN\tA\t192.0.2.80',
      '',
      // No defaults: TTL 3600; SOA mname the first nameserver, rname hostmaster@zone, timers 4h 1h 2w 1h.
      'zone b.test.: removed (4 records)',
      '-b.test.\t3600\tIN\tA\t192.0.2.90',
      '-b.test.\t3600\tIN\tNS\tns1.a.test.',
      '-b.test.\t3600\tIN\tNS\tns2.example.net.',
      '-b.test.\t3600\tIN\tSOA\tns1.a.test. hostmaster.b.test. 7 14400 3600 1209600 3600',
      '',
      '1 zone changed, 0 added, 1 removed, 0 unchanged; 4 records added, 7 removed',
      '',
    ].join('\n'));
  });

  it('the other way round: the zone is added, the same records with - and + swapped', () => {
    const r = cli(['diff', now, old]);
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('zone a.test.: 3 added, 4 removed (SOA serial 2026010102 -> 2026010101)');
    expect(lines).toContain('+www.a.test.\t3600\tIN\tA\t192.0.2.80');
    expect(lines).toContain('-www.a.test.\t300\tIN\tA\t192.0.2.80');
    expect(lines).toContain('zone b.test.: added (4 records)');
    expect(lines.at(-2)).toBe('1 zone changed, 1 added, 0 removed, 0 unchanged; 7 records added, 4 removed');
  });

  it('identical directories, and a file against itself: exit 0, "no changes"', () => {
    const copy = join(dir, 'copy');
    cpSync(old, copy, { recursive: true });
    const r = cli(['diff', old, copy]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('no changes (2 zones)\n');
    const f = cli(['diff', join(old, 'a.test.yaml'), join(copy, 'a.test.yaml')]);
    expect([f.status, f.stdout]).toEqual([0, 'no changes (1 zone)\n']);
  });

  it('a bumped serial alone is not a change: exit 0 and a note; serial: auto and a touched file, not even a note', () => {
    const zone = (d: string, serial: string) => write(d, { 'c.test.yaml': `zone: c.test.\nsoa: {serial: ${serial}}\nnameservers: [ns1.example.net., ns2.example.net.]\n` });
    const r = cli(['diff', zone(join(dir, 'bump-x'), '7'), zone(join(dir, 'bump-y'), '8')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('note: only the SOA serial differs, which is not a change: c.test. 7 -> 8\n\nno changes (1 zone)\n');
    // serial: auto follows the content, not the file's modification time.
    const x = zone(join(dir, 'auto-x'), 'auto'), y = zone(join(dir, 'auto-y'), 'auto');
    utimesSync(join(x, 'c.test.yaml'), 1_700_000_000, 1_700_000_000);
    utimesSync(join(y, 'c.test.yaml'), 1_800_000_000, 1_800_000_000);
    const a = cli(['diff', x, y]);
    expect([a.status, a.stdout]).toEqual([0, 'no changes (1 zone)\n']);
  });

  it('an SOA field other than the serial is shown, both serials included', () => {
    const x = write(join(dir, 'soa-x'), { 'b.test.yaml': B });
    const y = write(join(dir, 'soa-y'), { 'b.test.yaml': B.replace('{serial: 7}', '{serial: 8, minimum: 5m}') });
    const r = cli(['diff', x, y]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe([
      'zone b.test.: 1 added, 1 removed',
      '-b.test.\t3600\tIN\tSOA\tns1.a.test. hostmaster.b.test. 7 14400 3600 1209600 3600',
      '+b.test.\t3600\tIN\tSOA\tns1.a.test. hostmaster.b.test. 8 14400 3600 1209600 300',
      '',
      '1 zone changed, 0 added, 0 removed, 0 unchanged; 1 record added, 1 removed',
      '',
    ].join('\n'));
  });

  it('--format json: the same diff as data', () => {
    const r = cli(['diff', old, now, '--format', 'json']);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout) as { changed: boolean; zones: { zone: string; status: string; added: number; removed: number; lines: { op: string; record: string }[] }[] };
    expect(j.changed).toBe(true);
    expect(j.zones.map((z) => [z.zone, z.status, z.added, z.removed])).toEqual([['a.test.', 'changed', 4, 3], ['b.test.', 'removed', 0, 4]]);
    expect(j.zones[0]!.lines[0]).toEqual({ op: '-', record: 'a.test.\t3600\tIN\tMX\t10 mail.a.test.' });
  });

  it('a side with errors is not compared: its finding on stderr, nothing on stdout, exit 2', () => {
    const broken = write(join(dir, 'broken'), { 'a.test.yaml': A_NEW.replace('192.0.2.21', '192.0.2.300') });
    const r = cli(['diff', old, broken]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^${join(broken, 'a.test.yaml').replace(/[.]/g, '\\.')}:9:\\d+: error \\[\\w[\\w-]*\\] .*192\\.0\\.2\\.300`, 'm'));
    expect(r.stderr).toContain(`mailns diff: ${broken} has 1 error: not compared`);
    const missing = cli(['diff', old, join(dir, 'nosuch')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`error [read] ${join(dir, 'nosuch')}: no such file or directory`);
  });

  it('usage: OLD and NEW are both needed; --format is text or json; --help does nothing', () => {
    for (const [args, line] of [
      [['diff', old], 'mailns diff: OLD and NEW are needed (or --git REV)'],
      [['diff', old, now, now], `mailns diff: unexpected argument "${now}"`],
      [['diff', old, now, '--format', 'xml'], 'mailns diff: --format is text or json, not "xml"'],
      [['diff', '--git'], 'mailns diff: --git needs a value'],
    ] as [string[], string][]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(line);
      expect(r.stderr).toContain('\n\nmailns diff OLD NEW');
    }
    const h = cli(['diff', old, now, '--help']);
    expect([h.status, h.stderr, h.stdout.startsWith('mailns diff ')]).toEqual([0, '', true]);
  });
});

describe('mailns diff --git REV', () => {
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  git(repo, 'init', '-q');
  // The project's own zones: DKIM and TLSA key files under zones/keys must come along from the revision.
  cpSync('zones', join(repo, 'zones'), { recursive: true });
  write(join(repo, 'zones'), { 'b.test.yaml': B, 'c.test.yaml': 'zone: c.test.\nsoa: {serial: auto}\nnameservers: [ns1.example.net., ns2.example.net.]\n' });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'zones');
  // At the revision a file's modification time is its commit's time; here too, to begin with.
  const committed = Number(git(repo, 'show', '-s', '--format=%ct', 'HEAD').trim());
  const autoFile = join(repo, 'zones', 'c.test.yaml');
  utimesSync(autoFile, committed, committed);

  it('nothing edited: exit 0, the key files read at HEAD as in the tree', () => {
    const r = cli(['diff', '--git', 'HEAD', 'zones'], repo);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('no changes (7 zones)\n');
  });

  it('a file touched but not changed (serial: auto follows the content): exit 0, no note; the paths default to zones', () => {
    utimesSync(autoFile, committed + 86_400, committed + 86_400);
    const r = cli(['diff', '--git', 'HEAD'], repo);
    utimesSync(autoFile, committed, committed);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('no changes (7 zones)\n');
  });

  it('an edit and a new zone file against HEAD, from the root and from inside zones/', () => {
    const f = join(repo, 'zones', 'b.test.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('192.0.2.90', '192.0.2.91'));
    write(join(repo, 'zones'), { 'n.test.yaml': 'zone: n.test.\nsoa: {serial: 1}\nnameservers: [ns1.example.net., ns2.example.net.]\n' });
    const expected = [
      'zone b.test.: 1 added, 1 removed',
      '-b.test.\t3600\tIN\tA\t192.0.2.90',
      '+b.test.\t3600\tIN\tA\t192.0.2.91',
      '',
      'zone n.test.: added (3 records)',
      '+n.test.\t3600\tIN\tNS\tns1.example.net.',
      '+n.test.\t3600\tIN\tNS\tns2.example.net.',
      '+n.test.\t3600\tIN\tSOA\tns1.example.net. hostmaster.n.test. 1 14400 3600 1209600 3600',
      '',
      '1 zone changed, 1 added, 0 removed, 6 unchanged; 4 records added, 1 removed',
      '',
    ].join('\n');
    const r = cli(['diff', '--git', 'HEAD', 'zones'], repo);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toBe(expected);
    const inside = cli(['diff', '--git', 'HEAD', '.'], join(repo, 'zones'));
    expect([inside.status, inside.stdout]).toEqual([1, expected]);
    // A file added since HEAD, named alone: its zone is added.
    const one = cli(['diff', '--git', 'HEAD', 'n.test.yaml'], join(repo, 'zones'));
    expect(one.status).toBe(1);
    expect(one.stdout.split('\n')[0]).toBe('zone n.test.: added (3 records)');
  });

  it('errors at the revision are named REV:path; a bad revision or no repository is one line, exit 2', () => {
    write(join(repo, 'zones'), { 'x.test.yaml': 'zone: x.test.\nnameservers: [ns1.example.net.]\nhosts: {www: {ipv4: 192.0.2.999}}\n' });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'broken');
    const r = cli(['diff', '--git', 'HEAD', 'zones/x.test.yaml'], repo);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^HEAD:zones\/x\.test\.yaml:3:\d+: error /m);
    expect(r.stderr).toContain('mailns diff: HEAD has 1 error: not compared');
    expect(r.stderr).not.toContain(tmpdir());

    const bad = cli(['diff', '--git', 'nosuch-rev', 'zones'], repo);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(`mailns diff: --git: "nosuch-rev" is not a revision of the repository at ${bad.stderr.match(/at (.*)\n/)![1]}\n`);
    const notRepo = write(join(dir, 'plain'), { 'b.test.yaml': B });
    const none = cli(['diff', '--git', 'HEAD', '.'], notRepo);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^mailns diff: --git: .* is not in a git repository/);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    const gone = cli(['diff', '--git', 'HEAD', 'nosuch'], repo);
    expect([gone.status, gone.stderr]).toEqual([2, 'mailns diff: --git: nosuch is neither at HEAD nor in the working tree\n']);
  });
});
