/**
 * The transfer settings end to end through the command line: `mailns tsig
 * keygen` writes a key file (0600) and the secondary's configuration; `mailns
 * serve --tsig-key --allow-transfer-key` transfers to dig signing with it
 * and refuses the unsigned request, logging both without the secret; a key
 * file others may read is warned about; mistakes in the flags or the file are
 * one line and exit 2 (--notify and --notify-key too); `check` reports a zone that asks for transfers but
 * has too many generic names to list.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/config/tsig-keys.js';
import { findFreePort, requireTool } from '../helpers/nsd.js';

const run = promisify(execFile);
const CLI = 'dist/src/cli/main.js';
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
const haveDig = requireTool('dig');
const dir = mkdtempSync(join(tmpdir(), 'mailns-tsig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mailns tsig keygen', () => {
  it('writes NAME.key mode 0600 in the format serve reads, and prints NSD, Knot and BIND lines', () => {
    const r = cli('tsig', 'keygen', 'xfr.example.com', '--dir', join(dir, 'keys'), '--algorithm', 'hmac-sha512', '--primary', '192.0.2.53@5353', '--zone', 'example.com');
    expect(r.status, r.stderr).toBe(0);
    const file = join(dir, 'keys', 'xfr.example.com.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readKeyFile(file);
    expect(key.problems).toEqual([]);
    expect(key.keys[0]).toMatchObject({ name: ['xfr', 'example', 'com'], algorithm: 'hmac-sha512' });
    expect(key.keys[0]!.secret.length).toBe(64);
    const secret = key.keys[0]!.secret.toString('base64');
    for (const line of [
      'request-xfr: AXFR 192.0.2.53@5353 xfr.example.com.', 'allow-notify: 192.0.2.53 xfr.example.com.', `secret: "${secret}"`, // NSD
      'address: 192.0.2.53@5353', 'action: notify', 'master: mailns', // Knot
      `key "xfr.example.com." { algorithm hmac-sha512; secret "${secret}"; };`, 'primaries mailns { 192.0.2.53 port 5353 key "xfr.example.com."; };', // BIND
    ]) expect(r.stdout).toContain(line);
    const again = cli('tsig', 'keygen', 'xfr.example.com', '--dir', join(dir, 'keys'));
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('exists (--force replaces it)');
    expect(cli('tsig', 'keygen', 'k', '--algorithm', 'hmac-md5', '--dir', join(dir, 'keys')).stderr).toContain('--algorithm hmac-md5: one of hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512');
  });

  it.skipIf(!requireTool('named-checkconf'))('the BIND lines are a configuration named-checkconf accepts', () => {
    const r = cli('tsig', 'keygen', 'bind.test', '--dir', join(dir, 'keys'), '--primary', '192.0.2.53');
    const conf = r.stdout.slice(r.stdout.indexOf('BIND (named.conf) on the secondary:\n') + 36).split('\n\n')[0]!;
    const file = join(dir, 'named.conf');
    writeFileSync(file, conf);
    const c = spawnSync('named-checkconf', [file], { encoding: 'utf8' });
    expect(c.status, c.stdout + c.stderr + conf).toBe(0);
  });
});

describe('key files', () => {
  it('every mistake with its line; a file others may read is a warning', () => {
    const f = join(dir, 'bad.key');
    writeFileSync(f, '# two keys\nkey "a.test." {\n\talgorithm hmac-sha256;\n\tsecret "c2VjcmV0";\n};\nkey b {\n\talgorithm hmac-md5;\n\tsecret "x";\n};\n', { mode: 0o644 });
    chmodSync(f, 0o644);
    const r = readKeyFile(f);
    expect(r.keys.map((k) => k.name.join('.'))).toEqual(['a.test']);
    expect(r.problems.map((p) => `${p.line}:${p.col} ${p.severity} ${p.rule}: ${p.message}`)).toEqual([
      `1:1 warning tsig-key-mode: ${f} is mode 0644: others on this host may read the secret`,
      '8:9 error tsig-key: key b: the secret is not base64',
      '7:12 error tsig-key: key b: algorithm hmac-md5 is not one of hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512',
    ]);
    expect(JSON.stringify(r.problems)).not.toContain('c2VjcmV0');
  });
});

describe.skipIf(!haveDig)('mailns serve --tsig-key --allow-transfer-key', () => {
  let child: ChildProcess;
  let port: number;
  let log = '';
  let secret: string;
  beforeAll(async () => {
    const zones = join(dir, 'zones');
    cpSync('zones', zones, { recursive: true });
    expect(cli('tsig', 'keygen', 'serve.test', '--dir', join(dir, 'k2')).status).toBe(0);
    const keyFile = join(dir, 'k2', 'serve.test.key');
    secret = /secret "([^"]+)"/.exec(readFileSync(keyFile, 'utf8'))![1]!;
    chmodSync(keyFile, 0o640);
    port = await findFreePort();
    child = spawn(process.execPath, [CLI, 'serve', zones, '--listen', `127.0.0.1:${port}`, '--log-format', 'json', '--tsig-key', keyFile, '--allow-transfer-key', 'serve.test'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    for (let i = 0; i < 100 && !log.includes('"started"'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(log).toContain('"started"');
  }, 20_000);
  afterAll(() => { child?.kill('SIGTERM'); });

  it('transfers to dig signing with the key, refuses it unsigned, and logs both without the secret', async () => {
    const dig = async (...a: string[]) => (await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', ...a])).stdout;
    const ok = await dig('example.org', 'AXFR', '-y', `hmac-sha256:serve.test:${secret}`);
    expect(ok).toMatch(/XFR size: 10 records \(messages 1/);
    expect(ok).not.toMatch(/Couldn't verify|Transfer failed/);
    expect(await dig('example.org', 'AXFR', '+comments')).toContain('; EDE: 18 (Prohibited)');
    // example.com lists the generic names of a /48 (forward: true): not transferable, and the log says why.
    expect(await dig('example.com', 'AXFR', '+comments', '-y', `hmac-sha256:serve.test:${secret}`)).toContain('status: REFUSED');
    await new Promise((r) => setTimeout(r, 200));
    const lines = log.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return { raw: l }; } });
    expect(lines.find((l) => l.msg === 'transfer sent')).toMatchObject({ zone: 'example.org.', key: 'serve.test.', records: 10, messages: 1 });
    expect(lines.find((l) => l.msg === 'transfer refused')).toMatchObject({ qname: 'example.org.', why: 'the request is not signed with an allowed key' });
    expect(lines.find((l) => l.level === 40 && String(l.msg).includes('generic names'))).toMatchObject({ qname: 'example.com.' });
    expect(lines.find((l) => l.rule === 'tsig-key-mode')?.msg).toMatch(/is mode 0640: others on this host may read the secret/);
    expect(log).not.toContain(secret);
  });

  it('a key file holding only the secret (quoted or not, or after a misspelt keyword) is a finding that never shows it', () => {
    const raw = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==';
    for (const [i, text] of [`${raw}\n`, `"${raw}"\n`, `kee "x" { secret "${raw}"; };\n`, `key x { secrett ${raw}; };\n`].entries()) {
      const file = join(dir, `bare${i}.key`);
      writeFileSync(file, text, { mode: 0o600 });
      const r = cli('serve', 'zones', '--listen', '127.0.0.1:0', '--tsig-key', file);
      expect(r.status, text).toBe(2);
      expect(r.stderr, text).toContain('[tsig-key]');
      expect(r.stderr, text).not.toContain(raw);
    }
  });

  it('a bad flag or key file is one line and exit 2, before anything is loaded', () => {
    // A FIFO is refused unopened: opening it would wait for a writer, and start with it.
    const fifo = join(dir, 'fifo.key');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const [args, msg] of [
      [['--tsig-key', fifo], `mailns serve: --tsig-key ${fifo}: ${fifo}:1:1: error [tsig-key] ${fifo} is a FIFO, not a regular file`],
      [['--tsig-key', dir], `mailns serve: --tsig-key ${dir}: ${dir}:1:1: error [tsig-key] ${dir} is a directory, not a regular file`],
      [['--allow-transfer', '10.0.0.1/8'], 'mailns serve: --allow-transfer "10.0.0.1/8" has host bits set: the network is 10.0.0.0/8'],
      [['--tsig-key', join(dir, 'nope.key')], `mailns serve: --tsig-key ${join(dir, 'nope.key')}: ${join(dir, 'nope.key')}:1:1: error [tsig-key] ${join(dir, 'nope.key')}: no such file`],
      [['--allow-transfer-key', 'other.test'], 'mailns serve: --allow-transfer-key other.test: no such key in the --tsig-key files'],
      [['--notify', 'ns2.example.net'], 'mailns serve: --notify ns2.example.net: "ns2.example.net" is not an IP address (ADDRESS[@PORT], e.g. 192.0.2.53@53)'],
      [['--notify', '192.0.2.54@0'], 'mailns serve: --notify 192.0.2.54@0: port "0" is not 1-65535'],
      [['--notify-key', 'other.test'], 'mailns serve: --notify-key other.test: no --notify target to sign for'],
      [['--notify', '192.0.2.54', '--notify-key', 'other.test'], 'mailns serve: --notify-key other.test: no such key in the --tsig-key files'],
    ] as [string[], string][]) {
      const r = cli('serve', 'zones', '--listen', '127.0.0.1:0', ...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toBe(msg);
    }
  });
});

describe('mailns check', () => {
  it('a zone that asks for transfers but has the generic names of a /48: a transfer-generic warning on its generic: entry', () => {
    const z = join(dir, 'check');
    cpSync('zones', z, { recursive: true });
    writeFileSync(join(z, 'reverse.yaml'), readFileSync('zones/reverse.yaml', 'utf8') + 'transfer: {allow: [192.0.2.53]}\n');
    const r = cli('check', z);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/reverse\.yaml:\d+:\d+: warning \[transfer-generic\] 2001:db8:1234::\/48 has 1208925819614629174706176 generic names, more than the 65536 a zone transfer lists: 4\.3\.2\.1\.8\.b\.d\.0\.1\.0\.0\.2\.ip6\.arpa\. and the zone of pool\.example\.com\. \(forward: true\) will not be transferred/);
    expect(r.stdout).toContain('1 warning(s)');
  });
});
