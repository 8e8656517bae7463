/** Several zones at once: the closest enclosing zone answers (parent and child both served). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../helpers/dig.js';
import { requireTool } from '../helpers/nsd.js';
import { startWithYaml, type Running } from '../helpers/server.js';

const haveDig = requireTool('dig');

const PARENT = `zone: example.test.
nameservers: [ns1.example.test.]
hosts:
  ns1: {ipv4: 192.0.2.53}
  www: {ipv4: 192.0.2.80}
records:
  child: {type: NS, value: ns.child}
  ns.child: {type: A, value: 192.0.2.54}
  other: {type: NS, value: ns.elsewhere.example.}
`;
const CHILD = `zone: child.example.test.
nameservers: [ns.child.example.test.]
hosts:
  ns: {ipv4: 192.0.2.54}
  www: {ipv4: 198.51.100.80}
`;

describe.skipIf(!haveDig)(haveDig ? 'parent and child zones' : 'parent and child zones (skipped: dig is not installed)', () => {
  let srv: Running;
  beforeAll(async () => { srv = await startWithYaml({ 'example.test.yaml': PARENT, 'child.example.test.yaml': CHILD }); });
  afterAll(async () => srv?.stop());

  it('a name in the child zone is answered from the child, authoritatively', async () => {
    const r = await dig(srv.port, ['+norec', 'www.child.example.test', 'A']);
    expect(r.flags).toContain('aa');
    expect(r.answer).toEqual(['www.child.example.test. 3600 IN A 198.51.100.80']);
  });

  it('the child apex SOA and NS come from the child, not the parent\'s referral', async () => {
    const soa = await dig(srv.port, ['+norec', 'child.example.test', 'SOA']);
    expect(soa.flags).toContain('aa');
    expect(soa.answer[0]).toMatch(/^child\.example\.test\. 3600 IN SOA ns\.child\.example\.test\. /);
    const ns = await dig(srv.port, ['+norec', 'child.example.test', 'NS']);
    expect(ns.flags).toContain('aa');
    expect(ns.answer).toEqual(['child.example.test. 3600 IN NS ns.child.example.test.']);
  });

  it('a delegation to a zone we do not serve is still a referral', async () => {
    const r = await dig(srv.port, ['+norec', 'x.other.example.test', 'A']);
    expect(r.flags).not.toContain('aa');
    expect(r.authority).toEqual(['other.example.test. 3600 IN NS ns.elsewhere.example.']);
  });

  it('the parent still answers its own names', async () => {
    const r = await dig(srv.port, ['+norec', 'www.example.test', 'A']);
    expect(r.answer).toEqual(['www.example.test. 3600 IN A 192.0.2.80']);
  });
});
