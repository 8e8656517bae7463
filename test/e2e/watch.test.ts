/**
 * Issue 17, `serve --watch`: an edit in place, a save by rename (temp file
 * renamed over the zone file), a save that renames the old file away first
 * (vim's backup), and a rotated DKIM key file are each picked up, while a
 * client asking all along (c-ares, one query after another) never gets
 * REFUSED, nor any other failure: every answer is counted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolverFor } from '../helpers/server.js';
import { CLI, spawnServe, type ServeProcess } from '../helpers/serve-process.js';

const dir = mkdtempSync(join(tmpdir(), 'mailns-watch-'));
const zones = join(dir, 'zones');
mkdirSync(zones);
let s: ServeProcess | undefined;
afterAll(() => { s?.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

const zone = (www: string) => `zone: a.test.
nameservers: [ns1.a.test., ns2.example.net.]
hosts:
  ns1: {ipv4: 192.0.2.53}
  www: {ipv4: ${www}}
  mail: {ipv4: 192.0.2.25}
mail:
  mx: [mail]
  dkim:
    s1: {key_file: keys/a.test/s1.pub.pem}
`;
const file = join(zones, 'a.test.yaml');
const keygen = (force: boolean) => {
  const r = spawnSync(process.execPath, [CLI, 'dkim', 'keygen', '--zone', 'a.test', '--selector', 's1', '--type', 'ed25519', '--zone-dir', zones, '--private-dir', join(dir, 'private'), ...(force ? ['--force'] : [])], { encoding: 'utf8', cwd: dir });
  expect(r.status, r.stderr).toBe(0);
};

describe('serve --watch', () => {
  it('picks up an edit, two kinds of save by rename and a key file, never answering REFUSED in between', async () => {
    keygen(false);
    writeFileSync(file, zone('192.0.2.1'));
    // Rate limiting off: one client asks without a pause, and every reply is counted.
    s = spawnServe([zones, '--watch', '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--rrl-rate', '0'], { cwd: dir });
    await s.waitFor((l) => l.msg === 'started');
    const r = resolverFor(s.port());

    // One client asking without a pause, all through the test: every reply is counted.
    const answers: string[] = [];
    const failures: string[] = [];
    const dkim: string[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        try {
          answers.push((await r.resolve4('www.a.test'))[0]!);
          dkim.push((await r.resolveTxt('s1._domainkey.a.test'))[0]!.join(''));
        } catch (e) { failures.push((e as NodeJS.ErrnoException).code ?? String(e)); }
      }
    })();
    const until = async (f: () => boolean) => { while (!f()) await new Promise((ok) => setTimeout(ok, 20)); };
    await until(() => answers.length > 0);

    // 1. An edit in place.
    writeFileSync(file, zone('192.0.2.2'));
    await until(() => answers.at(-1) === '192.0.2.2');

    // 2. Saved by rename: a temp file renamed over the zone file (atomic editors, sed -i).
    writeFileSync(join(zones, '.a.test.yaml.tmp'), zone('192.0.2.3'));
    renameSync(join(zones, '.a.test.yaml.tmp'), file);
    await until(() => answers.at(-1) === '192.0.2.3');

    // 3. Saved as vim does without backupcopy: the old file renamed away, the new one written a moment later.
    renameSync(file, `${file}~`);
    await new Promise((ok) => setTimeout(ok, 100));
    writeFileSync(file, zone('192.0.2.4'));
    rmSync(`${file}~`);
    await until(() => answers.at(-1) === '192.0.2.4');

    // 4. A DKIM key rotated in its key file (a directory the zone file only names).
    const before = dkim.at(-1);
    keygen(true);
    await until(() => dkim.at(-1) !== before);

    polling = false;
    await poll;
    expect(failures).toEqual([]);
    // Only the four addresses, in order: nothing was answered from a half-saved file.
    expect([...new Set(answers)]).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4']);
    expect(s.lines.filter((l) => l.msg.startsWith('zone retired'))).toEqual([]);
    // The log line follows the swap by a turn of the event loop: wait for it (the test's timeout bounds the wait).
    await until(() => s.lines.filter((l) => l.msg === 'reloaded').length >= 4);
  }, 60_000);
});
