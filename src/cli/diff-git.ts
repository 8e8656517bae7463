/**
 * `mailns diff --git REV PATH ...`: the same paths at a git revision, written
 * out to a temporary directory so that the loader reads them exactly as it
 * reads the working tree. For a directory, its whole subtree at REV (keys/
 * with it); for a file, the subtree of its directory, so the key files a zone
 * names relative to itself come along. The blobs are written as git stores
 * them (`git ls-tree` and `git cat-file --batch`): no `.gitattributes`
 * export-ignore or filter changes what is compared. Each file gets the commit
 * time as its modification time (as `git archive` does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';

export interface GitSides {
  /** The paths to load for REV (inside the temporary directory); a path absent at REV is left out. */
  old: string[];
  /** The paths to load for the working tree, as given; a path absent there is left out. */
  now: string[];
  /** Writes a temporary path as `REV:path/from/root`, the way git names a file at a revision. */
  relabel: (text: string) => string;
  cleanup: () => void;
}

export class GitError extends Error {}

function git(cwd: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30 });
  if (r.error) throw new GitError((r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed (or not on PATH)' : r.error.message);
  if (r.status !== 0) throw new GitError(r.stderr.toString().trim().split('\n')[0] || `git ${args[0]} failed`);
  return r.stdout;
}

const exists = (p: string) => { try { lstatSync(p); return true; } catch { return false; } };

/** The path from the repository root of a path given on the command line (relative to the current directory). */
function fromRoot(top: string, prefix: string, p: string): string | undefined {
  let rel: string;
  if (isAbsolute(p)) {
    // git's toplevel has its symbolic links resolved: resolve the path's too, through its deepest existing parent.
    let base = resolve(p), rest = '';
    while (!existsSync(base) && dirname(base) !== base) { rest = join(base.slice(dirname(base).length + 1), rest); base = dirname(base); }
    rel = relative(top, join(realpathSync(base), rest));
    if (sep !== '/') rel = rel.split(sep).join('/');
  } else {
    rel = posix.normalize(posix.join(prefix, p.split(sep).join('/')));
  }
  rel = rel.replace(/\/+$/, '');
  if (rel === '.') rel = '';
  if (rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel)) return undefined;
  return rel;
}

/** Writes the files of `roots` (paths from the repository root) at `commit` under `dest`. */
function writeTrees(top: string, commit: string, roots: string[], dest: string): void {
  const listing = git(top, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...roots.map((r) => r || '.')]).toString('latin1');
  const entries = listing.split('\0').filter(Boolean).map((e) => {
    const tab = e.indexOf('\t');
    const [mode, type, object] = e.slice(0, tab).split(' ');
    return { mode: mode!, type: type!, object: object!, path: Buffer.from(e.slice(tab + 1), 'latin1').toString('utf8') };
  }).filter((e) => e.type === 'blob'); // a submodule (commit) holds no files of this repository
  if (!entries.length) return;
  const out = git(top, ['cat-file', '--batch'], Buffer.from(entries.map((e) => `${e.object}\n`).join('')));
  const time = Number(git(top, ['show', '-s', '--format=%ct', commit]).toString().trim());
  let at = 0;
  for (const e of entries) {
    // Each object: "<sha> blob <size>\n<content>\n".
    const nl = out.indexOf(10, at);
    const size = Number(out.subarray(at, nl).toString('latin1').split(' ')[2]);
    const content = out.subarray(nl + 1, nl + 1 + size);
    at = nl + 1 + size + 1;
    const file = join(dest, ...e.path.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    if (e.mode === '120000') symlinkSync(content.toString('utf8'), file);
    else {
      writeFileSync(file, content, { mode: e.mode === '100755' ? 0o755 : 0o644 });
      utimesSync(file, time, time);
    }
  }
}

/** Finds the repository of `cwd`, checks REV and writes the paths at REV to a temporary directory. */
export function gitSides(rev: string, paths: string[], cwd = process.cwd()): GitSides {
  let top: string, prefix: string;
  try {
    top = git(cwd, ['rev-parse', '--show-toplevel']).toString().trim();
    prefix = git(cwd, ['rev-parse', '--show-prefix']).toString().trim();
  } catch (e) {
    throw new GitError(`--git: ${cwd} is not in a git repository (${(e as Error).message})`);
  }
  if (!top) throw new GitError(`--git: ${cwd} is not in a git work tree`);
  let commit: string;
  try {
    commit = git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]).toString().trim();
  } catch {
    throw new GitError(`--git: "${rev}" is not a revision of the repository at ${top}`);
  }
  const rels = paths.map((p) => {
    const rel = fromRoot(top, prefix, p);
    if (rel === undefined) throw new GitError(`--git: ${p} is outside the repository at ${top}`);
    return { p, rel };
  });
  const atRev = (rel: string): 'tree' | 'blob' | undefined => {
    try { const t = git(top, ['cat-file', '-t', `${commit}:${rel}`]).toString().trim(); return t === 'tree' || t === 'blob' ? t : undefined; } catch { return undefined; }
  };
  const kinds = rels.map((r) => ({ ...r, kind: atRev(r.rel), here: exists(r.p) }));
  const missing = kinds.find((k) => !k.kind && !k.here);
  if (missing) throw new GitError(`--git: ${missing.p} is neither at ${rev} nor in the working tree`);

  const dir = mkdtempSync(join(tmpdir(), 'mailns-diff-'));
  const tree = join(dir, 'rev');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    mkdirSync(tree);
    // A file brings its directory's subtree (its key files); a root inside another root is written once.
    const roots = [...new Set(kinds.filter((k) => k.kind).map((k) => (k.kind === 'tree' ? k.rel : posix.dirname(k.rel).replace(/^\.$/, ''))))].sort();
    const outer = roots.filter((r) => !roots.some((o) => o !== r && (o === '' || r.startsWith(`${o}/`))));
    writeTrees(top, commit, outer, tree);
  } catch (e) {
    cleanup();
    throw e instanceof GitError ? new GitError(`--git: ${e.message}`) : e;
  }
  const prefixText = tree + sep;
  return {
    old: kinds.filter((k) => k.kind).map((k) => (k.rel ? join(tree, ...k.rel.split('/')) : tree)),
    now: kinds.filter((k) => k.here).map((k) => k.p),
    relabel: (text) => text.split(prefixText).join(`${rev}:`).split(tree).join(`${rev}:`),
    cleanup,
  };
}
