/**
 * Issue 16: every command of docs/walkthrough.md works as written.
 *
 * - A ```sh block marked `<!-- walkthrough:run -->` is self-contained: it runs
 *   (bash -e) in a fresh, empty directory where `npx mailns` is this build, and
 *   exits 0.
 * - The session: the marked blocks, then the other sh blocks, in the page's
 *   order in one directory, as a reader goes through the page. An unmarked
 *   block is left out when it starts a server, installs or fetches (serve,
 *   npm, git), or asks a server other than ours (a dig without @127.0.0.1):
 *   the test serves the directory's zones/ itself, on a free port that
 *   replaces 5353. A block of dig lines followed by a bare ``` block must
 *   print that block (a line ending in ... matches by its start).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blocks, type Block } from '../helpers/markdown.js';
import { startServer } from '../helpers/server.js';
import { requireTool } from '../helpers/nsd.js';

const PAGE = 'docs/walkthrough.md';
const usesInit = (b: Block) => /\bmailns init\b/.test(b.text);
const all = blocks(PAGE);
const sh = all.filter((b) => b.lang === 'sh');
const marked = sh.filter((b) => b.marker === 'walkthrough:run');
const hasDig = requireTool('dig');
const hasOpenssl = requireTool('openssl');

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** An empty directory where `npx mailns` runs this build (as `npm install ~/mailns` does for a reader). */
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-walk-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(resolve('.'), join(dir, 'node_modules', 'mailns'));
  symlinkSync(resolve('dist/src/cli/main.js'), join(dir, 'node_modules', '.bin', 'mailns'));
  // npm makes a bin's target executable when it links it (tsc writes it 0644).
  chmodSync(resolve('dist/src/cli/main.js'), 0o755);
  return dir;
}

/** bash -e; asynchronous, so that the server in this process answers the block's dig. */
function run(script: string, cwd: string): Promise<{ status: number | null; out: string; stdout: string }> {
  return new Promise((done) => {
    // npm never asks the registry: mailns is the linked build, or the test fails.
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], {
      cwd, timeout: 60_000,
      env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', NO_COLOR: '1' },
    });
    let out = '', stdout = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('close', (status) => done({ status, out, stdout }));
  });
}

/** The bare ``` block right after a block, if only blank lines stand between them. */
function expectedAfter(b: Block): string[] | undefined {
  const next = all[all.indexOf(b) + 1];
  if (!next || next.lang !== '') return undefined;
  // b.line is the opening fence (1-based); its text has one line per line plus a final newline.
  const closing = b.line + b.text.split('\n').length - 1; // 0-based index of the closing fence
  const between = pageLines.slice(closing + 1, next.line - 1);
  return between.every((l) => l.trim() === '') ? next.text.trimEnd().split('\n') : undefined;
}
const pageLines = readFileSync(PAGE, 'utf8').split('\n');

function matches(actual: string[], expected: string[]): boolean {
  return actual.length === expected.length && expected.every((e, i) => e.endsWith('...') ? actual[i]!.startsWith(e.slice(0, -3)) : actual[i] === e);
}

describe('docs/walkthrough.md', () => {
  it('has marked blocks, and one of them runs mailns init', () => {
    expect(marked.length).toBeGreaterThanOrEqual(3);
    expect(marked.some(usesInit)).toBe(true);
  });

  for (const b of marked) {
    it.skipIf((!hasOpenssl && /openssl/.test(b.text)))(`${PAGE}:${b.line} runs in a fresh directory`, async () => {
      const r = await run(b.text, freshDir());
      expect(r.status, r.out).toBe(0);
    });
  }

  it.skipIf(!hasDig || !hasOpenssl)('runs as a session: the blocks in order in one directory, and every dig against its zones', async () => {
    const dir = freshDir();
    const session = sh.filter((b) => {
      if (b.marker === 'walkthrough:run') return true;
      if (/\b(serve|npm|git)\b/.test(b.text)) return false;
      return b.text.split('\n').filter((l) => /^\s*dig\b/.test(l)).every((l) => l.includes('@127.0.0.1'));
    });
    expect(session.length).toBeGreaterThan(10);
    let digs = 0, compared = 0;
    for (const b of session) {
      let script = b.text;
      let stop: (() => Promise<void>) | undefined;
      if (/^\s*dig\b/m.test(script)) {
        // The zones as the reader's server has them after a reload.
        const s = await startServer([join(dir, 'zones')]);
        stop = () => s.stop();
        script = script.replace(/-p 5353\b/g, `-p ${s.port}`);
        digs += script.split('\n').filter((l) => /^\s*dig\b/.test(l)).length;
      }
      try {
        const r = await run(script, dir);
        expect(r.status, `${PAGE}:${b.line}\n${r.out}`).toBe(0);
        const want = expectedAfter(b);
        if (want && script.split('\n').filter(Boolean).every((l) => /^\s*dig\b/.test(l))) {
          compared++;
          expect(matches(r.out.trimEnd().split('\n'), want), `${PAGE}:${b.line} printed\n${r.out}\nnot\n${want.join('\n')}`).toBe(true);
        } else if (want && /^npx mailns export\b/.test(script.trim())) {
          compared++;
          // export's findings go to stderr; the policy alone to stdout.
          expect(matches(r.stdout.replace(/\r\n/g, '\n').trimEnd().split('\n'), want), `${PAGE}:${b.line} printed\n${r.stdout}`).toBe(true);
        }
      } finally {
        await stop?.();
      }
    }
    expect(digs).toBeGreaterThan(15);
    expect(compared).toBeGreaterThanOrEqual(10);
  }, 120_000);
});
