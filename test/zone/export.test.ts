/** `mailns export` output is accepted by BIND's, Knot's and NSD's zone checkers. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadZones } from '../../src/server/load.js';
import { exportZone } from '../../src/zone/export.js';
import { nameToText } from '../../src/util/name.js';
import { requireTool } from '../helpers/nsd.js';

const dir = mkdtempSync(join(tmpdir(), 'mailns-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The examples, and the conformance fixture with its unusual records (generic types, escapes, DS, wildcards).
const loaded = loadZones(['zones', 'test/fixtures/conformance/diff.test.yaml']);
const checkers: [string, (zone: string, file: string) => string[]][] = [
  ['named-checkzone', (z, f) => ['named-checkzone', '-k', 'fail', '-n', 'fail', '-M', 'warn', z, f]],
  ['kzonecheck', (z, f) => ['kzonecheck', '-o', z, f]],
  ['nsd-checkzone', (z, f) => ['nsd-checkzone', z, f]],
];

describe('zone-file export', () => {
  it('loads the zones without errors', () => {
    expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(loaded.zones.length).toBeGreaterThan(0);
  });

  for (const [tool, argv] of checkers) {
    const have = requireTool(tool);
    it.skipIf(!have)(have ? `${tool} accepts every exported zone` : `${tool} accepts every exported zone (skipped: ${tool} is not installed)`, () => {
      for (const z of loaded.zones) {
        const name = nameToText(z.zone.origin);
        const file = join(dir, `${name.replace(/\//g, "_")}zone`);
        writeFileSync(file, exportZone(z.zone, { annotate: true }));
        const [cmd, ...args] = argv(name, file);
        const r = spawnSync(cmd!, args, { encoding: 'utf8' });
        expect(r.status, `${tool} on ${name}:\n${r.stdout}${r.stderr}`).toBe(0);
      }
    });
  }

  it('the CLI prints the same text as the library', () => {
    const out = execFileSync('node', ['dist/src/cli/main.js', 'export', 'zones'], { encoding: 'utf8' });
    expect(out).toBe(loaded.zones.filter((z) => z.file.startsWith('zones/')).map((z) => exportZone(z.zone)).join(''));
  });
});
