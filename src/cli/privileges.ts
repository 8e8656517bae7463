/**
 * serve --user NAME: port 53 needs root (or CAP_NET_BIND_SERVICE), answering
 * does not. Once the sockets are bound the process becomes NAME, as NSD's
 * `username:` does: its supplementary groups (initgroups), then its group,
 * then its user, in that order (after setuid there is no right left to
 * change groups). The state directory, which serve goes on writing (serials,
 * IXFR journals), is given to NAME first. Zone and key files are read again
 * on reload as NAME: they must be readable by it.
 */
import { chmodSync, lchownSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeStateDirectory } from '../server/state.js';
import { UsageError } from './usage-error.js';

export interface Account { name: string; uid: number; gid: number }

/** NAME's entry in the password file (the NSS databases beyond it, LDAP and the like, are not asked). */
export function accountOf(name: string, flag: string, passwd = '/etc/passwd'): Account {
  let text = '';
  try { text = readFileSync(passwd, 'utf8'); } catch (e) { throw new UsageError(`${flag} ${name}: cannot read ${passwd}: ${(e as Error).message}`); }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) {
      const uid = Number(f[2]), gid = Number(f[3]);
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { name, uid, gid };
    }
  }
  throw new UsageError(`${flag} ${name}: no such user in ${passwd}`);
}

/** Checked with the other flags, before anything is loaded or bound. */
export function checkCanBecome(a: Account, flag: string): void {
  if (typeof process.getuid !== 'function' || typeof process.setuid !== 'function') throw new UsageError(`${flag} ${a.name}: this system cannot change user`);
  if (process.getuid() !== 0 && process.getuid() !== a.uid) throw new UsageError(`${flag} ${a.name}: only root can become another user (this process runs as uid ${process.getuid()})`);
}

/** Becomes `a`, after giving it the state directory; the error, if the system refused. */
export function become(a: Account, stateDir: string): string | undefined {
  try {
    if (process.getuid!() === a.uid) return undefined;
    // Made here if missing, while there is still the right to: after the change serve writes inside it.
    makeStateDirectory(stateDir);
    giveState(stateDir, a.uid, a.gid);
    // Node has it on POSIX systems; its typings leave it out.
    (process as unknown as { initgroups(user: string, group: number): void }).initgroups(a.name, a.gid);
    process.setgid!(a.gid);
    process.setuid!(a.uid);
    return process.getuid!() === a.uid && process.getgid!() === a.gid ? undefined : 'the user did not change';
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The state directory and what serve keeps in it given to uid:gid, each
 * directory 0700. Links are never followed (lchown; a symbolic link or a
 * file with other hard links is left alone), so a link planted in the
 * directory cannot hand the user a file elsewhere.
 */
function giveState(dir: string, uid: number, gid: number): void {
  const st = lstatSync(dir);
  if (!st.isDirectory()) return;
  lchownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) giveState(p, uid, gid);
    else if (e.isFile() && lstatSync(p).nlink === 1) lchownSync(p, uid, gid);
  }
}
