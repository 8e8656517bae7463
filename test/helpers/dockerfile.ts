/**
 * The Dockerfile, read and played without a Docker engine: each stage is a
 * directory standing in for the image's root, COPY copies (the build context
 * filtered by .dockerignore, or another stage's files), RUN runs its shell
 * command in the stage's WORKDIR, and the image's command lines (ENTRYPOINT,
 * CMD, HEALTHCHECK) come out with their image paths mapped into that
 * directory. What it cannot emulate (a base image's own files, USER, EXPOSE,
 * VOLUME, the owner a RUN chown gives) it records for the test to check. A
 * RUN made only of `mkdir -p` and `chown` on image paths is played inside
 * the stage's directory (the owner recorded, not set), never on the host.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

export interface Instruction { op: string; args: string; line: number }

/** Instructions with continuation lines joined and comments dropped (the parser directive `# syntax=` too). */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let cur: Instruction | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && !cur)) return;
    const cont = line.endsWith('\\');
    const body = cont ? line.slice(0, -1).trim() : line;
    if (cur) cur.args += ` ${body}`;
    else {
      const m = /^(\S+)\s*(.*)$/.exec(body)!;
      cur = { op: m[1]!.toUpperCase(), args: m[2]!, line: i + 1 };
    }
    if (!cont) { out.push({ ...cur, args: cur.args.trim() }); cur = undefined; }
  });
  return out;
}

/** The exec form (a JSON array) as argv, or the shell form wrapped in /bin/sh -c, as Docker does. */
export function commandOf(args: string): string[] {
  const t = args.trim();
  if (t.startsWith('[')) return JSON.parse(t) as string[];
  return ['/bin/sh', '-c', t];
}

export interface Stage {
  image: string;
  name?: string;
  /** Stands in for the image's /. */
  root: string;
  workdir: string;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  healthcheck?: { options: Record<string, string>; cmd: string[] };
  expose: string[];
  volumes: string[];
  /** Image path → the user a `RUN chown` gave it. */
  owners: Record<string, string>;
}

/** A .dockerignore as a predicate on context-relative POSIX paths (the patterns this repo uses: names and globs, !exceptions). */
export function dockerignore(context: string): (rel: string) => boolean {
  const file = join(context, '.dockerignore');
  const rules = existsSync(file)
    ? readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
      const neg = l.startsWith('!');
      const pat = posix.normalize((neg ? l.slice(1) : l).replace(/^\/+/, ''));
      const re = new RegExp(`^${pat.split('**').map((p) => p.split('*').map((q) => q.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*')}(/.*)?$`);
      return { neg, re };
    })
    : [];
  return (rel) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(rel)) ignored = !r.neg;
    return ignored;
  };
}

export interface Build { stages: Stage[]; final: Stage; instructions: Instruction[] }

/**
 * Plays the Dockerfile in `work` (one directory per stage). `env` is added to
 * RUN's environment (the test passes npm's prefer-offline there: the command
 * itself is run as written).
 */
export function emulateBuild(context: string, work: string, env: Record<string, string> = {}): Build {
  const instructions = parseDockerfile(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const ignored = dockerignore(context);
  const stages: Stage[] = [];
  let st: Stage | undefined;
  const inImage = (s: Stage, p: string) => join(s.root, posix.resolve(s.workdir, p));
  for (const ins of instructions) {
    const where = `Dockerfile:${ins.line} ${ins.op}`;
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`${where}: cannot read "${ins.args}"`);
      st = { image: m[1]!, name: m[2], root: join(work, `stage${stages.length}`), workdir: '/', expose: [], volumes: [], owners: {} };
      mkdirSync(st.root, { recursive: true });
      stages.push(st);
      continue;
    }
    if (!st) throw new Error(`${where}: before any FROM`);
    switch (ins.op) {
      case 'WORKDIR':
        st.workdir = posix.resolve(st.workdir, ins.args);
        mkdirSync(join(st.root, st.workdir), { recursive: true });
        break;
      case 'COPY': {
        const words = ins.args.split(/\s+/);
        const from = words[0]?.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
        if (words.some((w) => w.startsWith('--'))) throw new Error(`${where}: flag not emulated in "${ins.args}"`);
        const dest = words.pop()!;
        const src = from ? stages.find((s) => s.name === from || String(stages.indexOf(s)) === from) : undefined;
        if (from && !src) throw new Error(`${where}: no stage ${from}`);
        const toDir = dest.endsWith('/') || words.length > 1;
        for (const w of words) {
          const source = src ? join(src.root, posix.resolve(src.workdir, w)) : join(context, w);
          const rel = relative(context, source).split(sep).join('/');
          // Docker sends only what .dockerignore lets through: an ignored source is "not found" there.
          if (!src && (rel.startsWith('..') || ignored(rel) || !existsSync(source))) throw new Error(`${where}: ${w} is not in the build context`);
          if (src && !existsSync(source)) throw new Error(`${where}: ${w} is not in stage ${from}`);
          const target = toDir && !statSync(source).isDirectory() ? join(inImage(st, dest), posix.basename(w)) : inImage(st, dest);
          // COPY dir dest copies the directory's contents into dest.
          cpSync(source, target, {
            recursive: true, verbatimSymlinks: true,
            filter: (p) => src !== undefined || !ignored(relative(context, p).split(sep).join('/')),
          });
        }
        break;
      }
      case 'RUN': {
        const steps = ins.args.startsWith('[') ? [] : ins.args.split('&&').map((x) => x.trim().split(/\s+/));
        if (steps.length && steps.every(([c, ...a]) => (c === 'mkdir' && a[0] === '-p') || (c === 'chown' && a.length >= 2))) {
          for (const [c, ...a] of steps) {
            if (c === 'mkdir') for (const p of a.slice(1)) mkdirSync(inImage(st, p), { recursive: true });
            else for (const p of a.slice(1)) st.owners[posix.resolve(st.workdir, p)] = a[0]!;
          }
          break;
        }
        const [cmd, ...args] = commandOf(ins.args);
        execFileSync(cmd!, args, { cwd: join(st.root, st.workdir), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
        break;
      }
      case 'USER': st.user = ins.args; break;
      case 'EXPOSE': st.expose.push(...ins.args.split(/\s+/)); break;
      case 'VOLUME': st.volumes.push(...(ins.args.startsWith('[') ? JSON.parse(ins.args) as string[] : ins.args.split(/\s+/))); break;
      case 'ENTRYPOINT': st.entrypoint = commandOf(ins.args); break;
      case 'CMD': st.cmd = commandOf(ins.args); break;
      case 'HEALTHCHECK': {
        const m = /^((?:--\S+=\S+\s+)*)CMD\s+(.*)$/s.exec(ins.args);
        if (!m) throw new Error(`${where}: cannot read "${ins.args}"`);
        const options = Object.fromEntries(m[1]!.trim().split(/\s+/).filter(Boolean).map((o) => o.slice(2).split('=') as [string, string]));
        st.healthcheck = { options, cmd: commandOf(m[2]!) };
        break;
      }
      case 'ENV': case 'ARG': case 'LABEL':
        throw new Error(`${where}: not emulated yet (teach test/helpers/dockerfile.ts, then use it)`);
      default:
        throw new Error(`${where}: unknown instruction`);
    }
  }
  return { stages, final: stages[stages.length - 1]!, instructions };
}

/**
 * An image command line as it runs here: `node` is this Node, a path under a
 * directory the image has is that path in the stage's directory, `mounts`
 * maps the volumes (/zones → a test directory), and `rewrite` edits the
 * other words (a listen address on a free port).
 */
export function hostArgv(stage: Stage, argv: readonly string[], mounts: Record<string, string>, rewrite: (w: string) => string = (w) => w): string[] {
  return argv.map((w, i) => {
    if (i === 0 && w === 'node') return process.execPath;
    for (const [at, to] of Object.entries(mounts)) if (w === at || w.startsWith(`${at}/`)) return to + w.slice(at.length);
    const top = /^\/[^/]+/.exec(w)?.[0];
    if (top && existsSync(join(stage.root, top))) return join(stage.root, w);
    return rewrite(w);
  });
}
