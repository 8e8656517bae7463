/**
 * What `npm pack` ships (the way contrib/mailns.service and docs/operations.md
 * install mailns: the tarball, installed globally): the compiled command the
 * `bin` entry names, the schema editors are pointed at, the unit and the docs;
 * no tests, no example keys, no private keys.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('npm pack', () => {
  it('ships the command, the schema, the unit and the docs, and nothing of the tests or keys', () => {
    // --ignore-scripts: the suite has built dist/ already; prepack would build it again.
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(files).toContain(pkg.bin.mailns!.replace(/^\.\//, ''));
    for (const f of ['schema/zone.schema.json', 'dist/schema/zone.schema.json', 'contrib/mailns.service', 'LICENSE', 'README.md', 'docs/walkthrough.md']) expect(files).toContain(f);
    expect(files.filter((f) => /^(test|zones|keys\.private|state|bench|src)\//.test(f) || /\.private\.pem$/.test(f))).toEqual([]);
    // A package packed from a fresh checkout (no dist/ yet) builds first.
    expect(pkg.scripts.prepack).toBe('npm run build');
  });
});
