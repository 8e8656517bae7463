/**
 * `--listen 0.0.0.0:P --listen [::]:P`, the pair a host that serves both
 * families lists: the IPv6 wildcard is bound IPV6_V6ONLY (as NSD and Knot
 * bind it), so both bind, and each family is answered on its own socket, UDP
 * and TCP. Without IPV6_V6ONLY the second bind fails with EADDRINUSE on Linux.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from '../helpers/server.js';
import { findFreePort, requireTool } from '../helpers/nsd.js';

const run = promisify(execFile);
const hasDig = requireTool('dig');
let s: Running | undefined;

beforeAll(async () => {
  const port = await findFreePort();
  s = await startServer(['zones'], { listen: [{ host: '0.0.0.0', port }, { host: '::', port }] });
});
afterAll(async () => { await s?.stop(); });

describe('the IPv4 and the IPv6 wildcard on one port', () => {
  it('both are bound, one UDP and one TCP socket each', () => {
    expect(s!.server.bound.udp.map((a) => a.address).sort()).toEqual(['0.0.0.0', '::']);
    expect(s!.server.bound.tcp.map((a) => a.address).sort()).toEqual(['0.0.0.0', '::']);
  });

  for (const [host, tcp] of [['127.0.0.1', false], ['127.0.0.1', true], ['::1', false], ['::1', true]] as const) {
    it.skipIf(!hasDig)(`answers at ${host} over ${tcp ? 'TCP' : 'UDP'}`, async () => {
      const port = s!.server.bound.udp[0]!.port;
      const { stdout } = await run('dig', [`@${host}`, '-p', String(port), '+tries=1', '+time=2', '+short', ...(tcp ? ['+tcp'] : []), 'example.com', 'MX']);
      expect(stdout.trim().split('\n').sort()).toEqual(['10 mail.example.com.', '20 mx2.example.net.']);
    });
  }
});
