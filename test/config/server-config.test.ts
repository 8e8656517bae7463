/**
 * The server configuration file (src/config/server.ts): every mistake of a
 * file at once, each at file:line:col with a hint (did-you-mean for keys);
 * the flag values it stands for, paths relative to the file's directory;
 * the example contrib/mailns.conf.yaml is clean.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_FLAGS, readServerConfig } from '../../src/config/server.js';
import { formatProblem } from '../../src/util/problem.js';
import { CLI } from '../helpers/serve-process.js';
import { loadYaml } from '../helpers/zones.js';

const dir = mkdtempSync(join(tmpdir(), 'mailns-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = 'key "xfr.example.com." {\n\talgorithm hmac-sha256;\n\tsecret "c2VjcmV0IHNlY3JldCBzZWNyZXQgc2VjcmV0IHNlY3JldCE=";\n};\n';
mkdirSync(join(dir, 'keys'));
writeFileSync(join(dir, 'keys', 'xfr.key'), KEY, { mode: 0o600 });
chmodSync(join(dir, 'keys', 'xfr.key'), 0o600);

/** Writes `text` as `name` in the test directory and reads it. */
function config(text: string, name = 'mailns.conf.yaml') {
  const file = join(dir, name);
  writeFileSync(file, text);
  return readServerConfig(file);
}
const lines = (c: ReturnType<typeof config>) => c.problems.map((p) => formatProblem(p).replaceAll(dir + '/', ''));

describe('a configuration file with mistakes', () => {
  it('checks the IXFR journal bounds as the flags are checked, each finding at its place', () => {
    const c = config('ixfr-journal:\n  max-size: 4 X\n  max-age: bogus\n');
    expect(lines(c)).toEqual([
      'mailns.conf.yaml:2:13: error [ixfr-journal] max-size "4 X": expected octets, or a number with k, M or G (e.g. 4M)',
      'mailns.conf.yaml:3:12: error [ixfr-journal] max-age "bogus": expected seconds or a duration such as 7d, 12h, 1w',
    ]);
    expect(config('ixfr-journal: {max-size: 16M, max-age: 30d}\n').problems).toEqual([]);
  });

  it('a key file that is a FIFO is a finding at its entry, never opened (it would block the start)', () => {
    expect(spawnSync('mkfifo', [join(dir, 'fifo.key')]).status).toBe(0);
    expect(lines(config('tsig-keys: [keys/xfr.key, fifo.key]\n'))).toEqual([
      'mailns.conf.yaml:1:27: error [tsig-key] tsig-keys "fifo.key": fifo.key is a FIFO, not a regular file\n    hint: give the path of a key file (mailns tsig keygen NAME writes one), relative to this file',
    ]);
  });

  it('gives every finding at once, each at its line:col, with did-you-mean for keys', () => {
    const c = config([
      'lisen: [127.0.0.1:5353]', // 1
      'log-levle: debug', // 2
      'metrics: 127.0.0.1', // 3
      'tcp: {idle-timeout: 0, max-conections: 10}', // 4
      'tsig-keys: [keys/xfr.key, keys/none.key]', // 5
      'transfer:', // 6
      '  allow: [192.0.2.1/24, 2001:db8::/129]', // 7
      'notify:', // 8
      '  targets: [ns2.example.net, 192.0.2.54@0]', // 9
      '  key: xfr.example.com.', // 10
      'catalog: "a..b"', // 11
      'watch: yes', // 12
    ].join('\n') + '\n');
    expect(lines(c)).toEqual([
      'mailns.conf.yaml:1:1: error [schema] unknown key "lisen" in top level\n    hint: did you mean "listen"? known keys here: zones, listen, log-level, log-format, identity, hide-version, tcp, rrl, metrics, state-dir, watch, user, catalog, ixfr-journal, tsig-keys, transfer, notify',
      'mailns.conf.yaml:2:1: error [schema] unknown key "log-levle" in top level\n    hint: did you mean "log-level"? known keys here: zones, listen, log-level, log-format, identity, hide-version, tcp, rrl, metrics, state-dir, watch, user, catalog, ixfr-journal, tsig-keys, transfer, notify',
      'mailns.conf.yaml:3:10: error [metrics] metrics "127.0.0.1": expected ADDRESS:PORT, or [IPv6]:PORT (e.g. 127.0.0.1:9153, [::1]:9153)\n    hint: write ADDRESS:PORT, e.g. 127.0.0.1:9153',
      'mailns.conf.yaml:4:21: error [schema] tcp.idle-timeout must be >= 1',
      'mailns.conf.yaml:4:24: error [schema] unknown key "max-conections" in tcp\n    hint: did you mean "max-connections"? known keys here: idle-timeout, io-timeout, max-connections, max-per-client',
      'mailns.conf.yaml:5:27: error [tsig-key] tsig-keys "keys/none.key": ' + join(dir, 'keys/none.key').replaceAll(dir + '/', '') + ': no such file\n    hint: give the path of a key file (mailns tsig keygen NAME writes one), relative to this file',
      'mailns.conf.yaml:7:11: error [transfer] "192.0.2.1/24" has host bits set: the network is 192.0.2.0/24\n    hint: write an address (192.0.2.53) or a network (198.51.100.0/24, 2001:db8::/32)',
      'mailns.conf.yaml:7:25: error [transfer] "2001:db8::/129": prefix /129 is longer than an IPv6 address\n    hint: write an address (192.0.2.53) or a network (198.51.100.0/24, 2001:db8::/32)',
      'mailns.conf.yaml:9:13: error [notify] notify target "ns2.example.net": "ns2.example.net" is not an IP address (ADDRESS[@PORT], e.g. 192.0.2.53@53)\n    hint: write ADDRESS or ADDRESS@PORT, e.g. 192.0.2.54 or 2001:db8::54@5300',
      'mailns.conf.yaml:9:30: error [notify] notify target "192.0.2.54@0": port "0" is not 1-65535\n    hint: write ADDRESS or ADDRESS@PORT, e.g. 192.0.2.54 or 2001:db8::54@5300',
      expect.stringMatching(/^mailns\.conf\.yaml:11:10: error \[name\] catalog "a\.\.b": /),
      // YAML 1.2: yes is text, not true.
      'mailns.conf.yaml:12:8: error [schema] watch must be boolean\n    hint: write true or false',
    ]);
    // What is right is kept; what is wrong is left out.
    expect(c.values).toEqual({ 'notify-key': 'xfr.example.com.' });
  });

  it('names a key that is in none of the key files, with the one it was likely meant to be', () => {
    const c = config('tsig-keys: [keys/xfr.key]\ntransfer: {keys: [xfr.exmaple.com.]}\nnotify: {key: xfr.example.com}\n');
    expect(lines(c)).toEqual([
      'mailns.conf.yaml:2:19: error [tsig-key-unknown] key "xfr.exmaple.com." is in none of the tsig-keys files\n    hint: did you mean "xfr.example.com."? the keys of tsig-keys: xfr.example.com.',
      'mailns.conf.yaml:3:15: error [notify] notify.key signs the NOTIFYs to notify.targets, and there is none\n    hint: add targets: [ADDRESS, ...] beside key:, or remove key:',
    ]);
  });

  it('a key file with a mistake of its own is reported at its own line; a missing file is not a YAML file', () => {
    writeFileSync(join(dir, 'keys', 'broken.key'), 'key "b." {\n\talgorithm hmac-md5;\n\tsecret "AAAA";\n};\n', { mode: 0o600 });
    const c = config('tsig-keys: [keys/broken.key]\n');
    expect(c.problems.map((p) => `${p.file.replaceAll(dir + '/', '')}:${p.line} ${p.rule}`)).toEqual(['keys/broken.key:2 tsig-key']);
    expect(lines(readServerConfig(join(dir, 'nothing.yaml')))).toEqual([`${join(dir, 'nothing.yaml').replaceAll(dir + '/', '')}: no such file`.replace(/^/, 'nothing.yaml:1:1: error [read] ')]);
    expect(lines(config('- listen\n'))[0]).toMatch(/error \[schema\] a configuration file is a YAML mapping/);
    expect(lines(config('listen: [a\n'))[0]).toMatch(/^mailns\.conf\.yaml:\d+:\d+: error \[yaml-syntax\]/);
  });
});

describe('the settings a file stands for', () => {
  it('are the serve flags, paths relative to the file, numbers as flag text', () => {
    mkdirSync(join(dir, 'etc'), { recursive: true });
    cpSync(join(dir, 'keys'), join(dir, 'etc', 'keys'), { recursive: true });
    const c = config([
      'zones: [zones, /srv/zones/a.yaml]', 'listen: [127.0.0.1:53, "[::1]:53"]', 'log-level: warn', 'log-format: json',
      'identity: ns1.example.com', 'hide-version: true', 'tcp: {idle-timeout: 30, max-connections: 50}', 'metrics: 127.0.0.1:9153',
      'state-dir: ../var/state', 'watch: true', 'catalog: catalog.invalid.', 'tsig-keys: [keys/xfr.key]',
      'transfer: {allow: [192.0.2.54], keys: [xfr.example.com.]}', 'notify: {targets: [192.0.2.54], key: xfr.example.com.}',
    ].join('\n') + '\n', 'etc/mailns.conf.yaml');
    expect(c.problems).toEqual([]);
    const etc = join(dir, 'etc');
    expect(c.zones).toEqual([join(etc, 'zones'), '/srv/zones/a.yaml']);
    expect(c.values).toEqual({
      listen: ['127.0.0.1:53', '[::1]:53'], 'log-level': 'warn', 'log-format': 'json', identity: 'ns1.example.com', 'hide-version': true,
      'tcp-idle-timeout': '30', 'tcp-max-connections': '50', metrics: '127.0.0.1:9153', 'state-dir': join(dir, 'var', 'state'), watch: true,
      catalog: 'catalog.invalid.', 'tsig-key': [join(etc, 'keys', 'xfr.key')], 'allow-transfer': ['192.0.2.54'], 'allow-transfer-key': ['xfr.example.com.'],
      notify: ['192.0.2.54'], 'notify-key': 'xfr.example.com.',
    });
    // Every flag of the table is a flag of serve.
    const serve = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' }).stdout;
    for (const { flag } of CONFIG_FLAGS) expect(serve, flag).toContain(`--${flag}`);
  });

  it('an empty file is every default; without zones: the zones beside the file', () => {
    const c = config('');
    expect(c.problems).toEqual([]);
    expect(c.values).toEqual({});
    expect(c.zones).toEqual([join(dir, 'zones')]);
  });
});

describe('contrib/mailns.conf.yaml', () => {
  it('names the schema, and is clean where its key file exists', () => {
    const text = readFileSync('contrib/mailns.conf.yaml', 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/server.schema.json');
    const etc = join(dir, 'example');
    mkdirSync(join(etc, 'keys.private'), { recursive: true });
    writeFileSync(join(etc, 'keys.private', 'xfr.example.com.key'), KEY, { mode: 0o600 });
    writeFileSync(join(etc, 'mailns.conf.yaml'), text);
    const c = readServerConfig(join(etc, 'mailns.conf.yaml'));
    expect(c.problems).toEqual([]);
    // Every key of the file is in the example.
    expect(Object.keys(c.values).sort()).toEqual(CONFIG_FLAGS.map((f) => f.flag).filter((f) => f !== 'state-dir').sort());
  });
});

describe('a zone file\'s notify:', () => {
  it('is parsed into targets and a key name, each mistake at its place', () => {
    const head = 'zone: t.test.\nnameservers: [ns1.example.net., ns2.example.net.]\n';
    const ok = loadYaml({ 't.test.yaml': `${head}notify: {targets: [192.0.2.54, '2001:db8::54@5300'], key: Xfr.Example.COM}\n` });
    expect(ok.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(ok.zones[0]!.model.notify).toEqual({ targets: [{ host: '192.0.2.54', port: 53 }, { host: '2001:db8::54', port: 5300 }], key: 'xfr.example.com.' });
    const bad = loadYaml({ 't.test.yaml': `${head}notify:\n  targets: [ns2.example.net, 192.0.2.54@99999]\n  keys: [x.]\n` });
    expect(bad.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.col} ${p.rule}`)).toEqual(['4:13 notify', '4:30 notify', '5:3 schema']);
  });
});
