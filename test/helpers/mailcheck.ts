/** Runs test/helpers/mailcheck.py (pyspf, dkimpy, dnspython under /usr/bin/python3) for the mail tests; tells which Python modules are missing. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PYTHON = '/usr/bin/python3';
const MAILCHECK = 'test/helpers/mailcheck.py';
/** Debian package that gives /usr/bin/python3 each module. */
const PY_PACKAGE: Record<string, string> = { spf: 'python3-spf', dkim: 'python3-dkim', 'nacl.signing': 'python3-nacl', 'dns.resolver': 'python3-dnspython', jsonschema: 'python3-jsonschema', yaml: 'python3-yaml', 'prometheus_client.parser': 'python3-prometheus-client' };

export function missingModules(mods: string[]): string[] {
  if (!existsSync(PYTHON)) return mods;
  const r = spawnSync(PYTHON, [MAILCHECK, 'modules'], { input: JSON.stringify({ modules: mods }), encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) return mods;
  return (JSON.parse(r.stdout) as { missing: string[] }).missing;
}

/**
 * True if /usr/bin/python3 imports every module; otherwise false, or throws
 * when MAILNS_REQUIRE_TOOLS=1 (like requireDnspython). `why` gets the skip note.
 */
export function requireModules(mods: string[], why: { note: string }): boolean {
  const missing = missingModules(mods);
  if (!missing.length) return true;
  why.note = `python3 module ${missing.map((m) => `${m} (${PY_PACKAGE[m] ?? m})`).join(', ')} missing for ${PYTHON}`;
  if (process.env.MAILNS_REQUIRE_TOOLS === '1') throw new Error(`required ${why.note} (MAILNS_REQUIRE_TOOLS=1)`);
  return false;
}

/** Runs a mailcheck.py subcommand asynchronously (the server under test lives in this process). */
export function mailcheck<T>(cmd: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [MAILCHECK, cmd], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`mailcheck.py ${cmd} exited ${code}:\n${err}`));
      try { resolve(JSON.parse(out) as T); } catch (e) { reject(new Error(`mailcheck.py ${cmd}: ${(e as Error).message}\n${out}\n${err}`)); }
    });
    child.stdin.end(JSON.stringify(req));
  });
}

