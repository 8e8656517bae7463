/**
 * The command line as a new user meets it (issue 16, first slice): every verb
 * answers --help with its own usage and does nothing else, each verb takes
 * only its own flags, a flag given replaces its default, and mistakes are
 * one line with the right exit code (2 for usage, 1 for what the command
 * found), never a stack trace. Each run is a spawned process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../helpers/nsd.js';

const CLI = 'dist/src/cli/main.js';
const dir = mkdtempSync(join(tmpdir(), 'mailns-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; scripts: Record<string, string> });

describe('--help and --version', () => {
  for (const verb of [['serve'], ['check'], ['export'], ['diff'], ['explain'], ['import'], ['dkim', 'keygen'], ['tsig', 'keygen'], ['init'], ['probe']]) {
    it(`mailns ${verb.join(' ')} --help (and -h): its own usage, exit 0, nothing else done`, () => {
      for (const h of ['--help', '-h']) {
        const r = cli(...verb, h);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout.startsWith(`mailns ${verb.join(' ')} `)).toBe(true);
        expect(r.stderr).toBe('');
        // No zone was loaded, no socket opened: serve would log "zone loaded" first.
        expect(r.stdout).not.toContain('"msg"');
      }
    });
  }

  it('serve --help leaves the default port free: it bound nothing, and no server outlives it', async () => {
    const free = async () => {
      const tcp = await new Promise<boolean>((res) => { const s = createServer(); s.once('error', () => res(false)); s.listen(5353, '127.0.0.1', () => s.close(() => res(true))); });
      const udp = await new Promise<boolean>((res) => { const s = createSocket('udp4'); s.once('error', () => { s.close(); res(false); }); s.bind(5353, '127.0.0.1', () => s.close(() => res(true))); });
      return tcp && udp;
    };
    // Where something else holds 5353, "stays free" cannot be observed; the exit 0 above still shows nothing was started.
    if (!(await free())) return;
    const child = spawn(process.execPath, [CLI, 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const code = await new Promise<number | null>((res) => child.once('exit', res));
    expect(code).toBe(0);
    expect(await free()).toBe(true);
  });

  it('--version and -V print the version; mailns --help lists every verb', () => {
    expect(cli('--version').stdout.trim()).toBe(VERSION.version);
    expect(cli('-V').stdout.trim()).toBe(VERSION.version);
    const h = cli('--help');
    expect(h.status).toBe(0);
    for (const v of ['serve', 'check', 'export', 'diff', 'explain', 'import', 'dkim keygen', 'tsig keygen', 'init', 'probe']) expect(h.stdout).toContain(`mailns ${v} `);
  });

  it('no command, or an unknown one, is a usage error (exit 2, usage on stderr)', () => {
    for (const args of [[], ['frobnicate'], ['dkim'], ['dkim', 'rotate'], ['tsig'], ['tsig', 'rotate']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^mailns( dkim| tsig)?: /);
      expect(r.stderr).toContain('mailns ');
    }
  });
});

describe('each verb takes only its own flags', () => {
  it('a flag of another verb, an unknown flag or a missing value: exit 2 with that verb\'s usage on stderr', () => {
    for (const [args, msg] of [
      [['check', '--listen', '1.2.3.4:1'], 'mailns check: unknown flag --listen'],
      [['export', '--strict'], 'mailns export: unknown flag --strict'],
      [['serve', '--bogus'], 'mailns serve: unknown flag --bogus'],
      [['export', '--zone'], 'mailns export: --zone needs a value'],
      [['import'], 'mailns import: missing FILE'],
      [['dkim', 'keygen', '--zone', 'a.test'], 'mailns dkim keygen: --selector is needed'],
      [['tsig', 'keygen'], 'mailns tsig keygen: missing NAME'],
      [['tsig', 'keygen', 'k', '--selector', 's'], 'mailns tsig keygen: unknown flag --selector'],
      [['check', '--format', 'xml'], 'mailns check: --format is text or json, not "xml"'],
    ] as [string[], string][]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(msg);
      expect(r.stderr).toContain(`\n\nmailns ${args[0] === 'dkim' || args[0] === 'tsig' ? `${args[0]} keygen` : args[0]} `);
    }
  });
});

describe('what the commands find', () => {
  it('export --zone naming no zone: exit 1 and which zones there are', () => {
    const r = cli('export', 'zones', '--zone', 'nosuch.example');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^mailns export: no zone nosuch\.example\. in zones \(its zones: example\.com\., example\.org\., /);
  });

  it('check of a directory with no zone files is an error; zone files in a subdirectory are named as not read', () => {
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'more'), { recursive: true });
    writeFileSync(join(empty, 'more', 'x.test.yaml'), 'zone: x.test.\nnameservers: [ns1.example., ns2.example.]\n');
    const r = cli('check', empty);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${empty}:1:1: error [read] no zone files (*.yaml, *.yml) in ${empty}`);
    expect(r.stdout).toContain(`${join(empty, 'more')}:1:1: warning [read] 1 zone file(s) in the subdirectory ${join(empty, 'more')} are not read`);
    const missing = cli('check', join(dir, 'nosuch'));
    expect(missing.status).toBe(1);
    expect(missing.stdout).toContain(`error [read] ${join(dir, 'nosuch')}: no such file or directory`);
  });
});

describe('serve: start-up problems are one line', () => {
  it('a bad --listen or --log-level: exit 2 before anything is loaded', () => {
    for (const [args, line] of [
      [['--listen', 'localhost'], 'mailns serve: --listen localhost: expected ADDRESS:PORT, or [IPv6]:PORT (e.g. 127.0.0.1:5353, [::1]:5353)'],
      [['--listen', 'mail.example:53'], 'mailns serve: --listen mail.example:53: "mail.example" is not an IP address'],
      [['--listen', '127.0.0.1:70000'], 'mailns serve: --listen 127.0.0.1:70000: port 70000 is above 65535'],
      [['--log-level', 'loud'], 'mailns serve: --log-level loud: one of fatal, error, warn, info, debug, trace, silent'],
      [['--tcp-max-connections', '0'], 'mailns serve: --tcp-max-connections 0: expected a positive whole number'],
    ] as [string[], string][]) {
      const r = cli('serve', 'zones', ...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toBe(line);
      expect(r.stdout).toBe('');
    }
  });

  it('a port in use: exit 1, one line naming the address and the protocol', async () => {
    const port = await findFreePort();
    const blocker = createServer();
    await new Promise<void>((res) => blocker.listen(port, '127.0.0.1', () => res()));
    try {
      const r = cli('serve', 'zones', '--listen', `127.0.0.1:${port}`, '--log-level', 'silent');
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(`mailns serve: 127.0.0.1:${port} is in use (TCP)`);
    } finally {
      await new Promise<void>((res) => blocker.close(() => res()));
    }
  });

  it('npm start passes no --listen of its own, so `npm start -- --listen ADDR` replaces the default', () => {
    expect(VERSION.scripts.start).toBe('node dist/src/cli/main.js serve zones');
  });
});

describe('serve: log format', () => {
  /** Starts serve, returns its stdout once a line matches `until` (or after 10 s), and stops it. */
  const serveUntil = async (args: string[], until: RegExp): Promise<string> => {
    const child = spawn(process.execPath, [CLI, 'serve', 'zones', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((res) => {
      const timer = setTimeout(res, 10_000);
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (until.test(out)) { clearTimeout(timer); res(); } });
      child.once('exit', () => { clearTimeout(timer); res(); });
    });
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res).once('error', res));
    return out;
  };

  it('JSON lines when stdout is not a terminal; --log-format pretty gives readable lines', async () => {
    const port = await findFreePort();
    expect(await serveUntil(['--listen', `127.0.0.1:${port}`], /"msg":"started"/)).toMatch(/^\{"level":30,.*"msg":"started"\}$/m);
    expect(await serveUntil(['--listen', `127.0.0.1:${port}`, '--log-format', 'pretty'], /INFO: started/))
      .toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d{4}\] INFO: started \{"udp":\["127\.0\.0\.1:\d+"\]/m);
    expect(cli('serve', '--log-format', 'xml').stderr.trim()).toBe('mailns serve: --log-format xml: json or pretty');
  });
});
