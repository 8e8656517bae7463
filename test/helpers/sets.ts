/** Directories that load as a set of zone files: the example zones and each fixture directory holding YAML. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function loadableSets(): string[] {
  const out = ['zones'];
  const walk = (d: string) => {
    const entries = readdirSync(d);
    if (entries.some((f) => f.endsWith('.yaml'))) out.push(d);
    for (const f of entries) if (statSync(join(d, f)).isDirectory()) walk(join(d, f));
  };
  walk('test/fixtures');
  return out;
}
