/**
 * Issue 16, "Docs by topic": what the pages in docs/ and the README say is
 * checked against the code.
 *
 * - Every ```yaml block is a zone `mailns check` passes (exit 0), in a
 *   temporary directory as zones/<zone>.yaml (zones/example.com.yaml when the
 *   block has no zone:), with the example keys of zones/keys/ beside it, so
 *   key_file: and cert_file: may name them. The line before the fence may say
 *   `<!-- fragment -->` (then it must only parse as YAML), `<!-- invalid -->`
 *   (then check must exit 1) or `<!-- config -->` (a server configuration
 *   file: `mailns check --config` passes it, with the example zones and a
 *   key xfr.example.com. in keys.private/ beside it; `<!-- config-invalid -->`:
 *   it fails).
 * - Every relative link points at a file that exists, and its #anchor at a
 *   heading of that file.
 * - Every key of the JSON Schema is named in zone-files.md, mail.md or
 *   reverse.md (the top-level and mail.* keys in zone-files.md or mail.md);
 *   every key of the server schema in configuration.md, whose example of
 *   mistakes is what check prints.
 * - lint.md lists every lint rule with its severity and RFC, and shows the
 *   error example as mailns check prints it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { RULES } from '../../src/lint/index.js';
import { CONFIG_FLAGS } from '../../src/config/server.js';
import { anchors, blocks } from '../helpers/markdown.js';

const PAGES = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const CLI = resolve('dist/src/cli/main.js');

function check(yaml: string): { status: number | null; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mailns-docs-'));
  try {
    mkdirSync(join(dir, 'zones'));
    cpSync('zones/keys', join(dir, 'zones', 'keys'), { recursive: true });
    const zone = /^zone:\s*['"]?([^\s'"#]+?)\.?['"]?\s*(#.*)?$/m.exec(yaml)?.[1] ?? 'example.com';
    writeFileSync(join(dir, 'zones', `${zone}.yaml`), yaml);
    const r = spawnSync(process.execPath, [CLI, 'check', 'zones'], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `mailns check --config` on a configuration file, in a directory with the example zones and the key it may name. */
function checkConfig(yaml: string, cwd?: string): { status: number | null; stdout: string } {
  const dir = cwd ?? mkdtempSync(join(tmpdir(), 'mailns-docs-config-'));
  try {
    if (!cwd) {
      cpSync('zones', join(dir, 'zones'), { recursive: true });
      spawnSync(process.execPath, [CLI, 'tsig', 'keygen', 'xfr.example.com.', '--dir', join(dir, 'keys.private')], { encoding: 'utf8' });
    }
    writeFileSync(join(dir, 'mailns.conf.yaml'), yaml);
    const r = spawnSync(process.execPath, [CLI, 'check', '--config', 'mailns.conf.yaml'], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout + r.stderr };
  } finally {
    if (!cwd) rmSync(dir, { recursive: true, force: true });
  }
}

describe('yaml blocks in the docs', () => {
  const yamlBlocks = PAGES.flatMap(blocks).filter((b) => b.lang === 'yaml');
  it('there are some, and markers are few', () => {
    expect(yamlBlocks.length).toBeGreaterThan(5);
    expect(yamlBlocks.filter((b) => b.marker && !b.marker.startsWith('config')).length).toBeLessThanOrEqual(3);
  });
  for (const b of yamlBlocks) {
    it(`${b.file}:${b.line} ${b.marker ?? 'is a valid zone'}`, () => {
      for (const doc of parseAllDocuments(b.text) as { errors: unknown[] }[]) expect(doc.errors).toEqual([]);
      if (b.marker === 'fragment') return;
      const r = b.marker?.startsWith('config') ? checkConfig(b.text) : check(b.text);
      expect(r.status, r.stdout).toBe(b.marker?.endsWith('invalid') ? 1 : 0);
    });
  }
  it('knows no other marker before a yaml block', () => {
    expect(yamlBlocks.filter((b) => b.marker && !['fragment', 'invalid', 'config', 'config-invalid'].includes(b.marker)).map((b) => `${b.file}:${b.line}`)).toEqual([]);
  });
});

describe('links in the docs', () => {
  for (const page of PAGES) {
    it(`${page}: every relative link and anchor exists`, () => {
      const text = readFileSync(page, 'utf8').replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
      const bad: string[] = [];
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue; // https:, mailto:
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const file = path ? join(dirname(page), path) : page;
        if (!existsSync(file)) { bad.push(`${target}: no file ${file}`); continue; }
        if (anchor !== undefined) {
          if (statSync(file).isDirectory() || !file.endsWith('.md')) { bad.push(`${target}: an anchor into a non-Markdown file`); continue; }
          if (!anchors(file).has(anchor)) bad.push(`${target}: no heading #${anchor} in ${file} (${[...anchors(file)].join(', ')})`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});

describe('the schema is documented', () => {
  const schema = JSON.parse(readFileSync('schema/zone.schema.json', 'utf8')) as Schema;
  const read = (files: string[]) => files.map((f) => readFileSync(f, 'utf8')).join('\n');
  const esc = (key: string) => key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** `key`, `key:` or `mail.key` as code. */
  const named = (text: string, key: string) => new RegExp('`(mail\\.)?' + esc(key) + '[:`. ]').test(text);
  /** The key as a word of a code span: `spf: {hosts, mx, ip4}` names hosts. */
  const mentioned = (text: string, key: string) => new RegExp('`[^`\\n]*(?<![\\w-])' + esc(key) + '(?![\\w-])[^`\\n]*`').test(text);

  it('names every top-level and mail.* key in zone-files.md or mail.md', () => {
    const text = read(['docs/zone-files.md', 'docs/mail.md']);
    const keys = [...Object.keys(schema.properties!), ...Object.keys(schema.properties!.mail!.properties!)];
    expect(keys.length).toBeGreaterThan(15);
    expect(keys.filter((k) => !named(text, k))).toEqual([]);
  });

  it('names every key anywhere in the schema in zone-files.md, mail.md or reverse.md', () => {
    const text = read(['docs/zone-files.md', 'docs/mail.md', 'docs/reverse.md']);
    const keys = new Set<string>();
    const walk = (s: Schema | undefined): void => {
      if (!s || typeof s !== 'object') return;
      for (const [k, v] of Object.entries(s.properties ?? {})) { keys.add(k); walk(v); }
      for (const sub of [s.items, s.additionalProperties, ...(s.anyOf ?? []), ...(s.oneOf ?? [])]) if (typeof sub === 'object') walk(sub);
      if (s.$ref) walk(schema.definitions?.[s.$ref.replace('#/definitions/', '')]);
    };
    walk(schema);
    expect(keys.size).toBeGreaterThan(60);
    expect([...keys].filter((k) => !mentioned(text, k))).toEqual([]);
  });

  it('names every key of the server schema in configuration.md, each with its flag', () => {
    const server = JSON.parse(readFileSync('schema/server.schema.json', 'utf8')) as Schema;
    const text = read(['docs/configuration.md']);
    const keys: string[] = [];
    const walk = (s: Schema): void => { for (const [k, v] of Object.entries(s.properties ?? {})) { keys.push(k); walk(v); } };
    walk(server);
    expect(keys.length).toBeGreaterThanOrEqual(19);
    expect(keys.filter((k) => !named(text, k))).toEqual([]);
    // Each flag the file stands for is in the table of keys.
    for (const { flag } of CONFIG_FLAGS) expect(text, flag).toContain(`\`--${flag}\``);
  });
});

describe('docs/configuration.md', () => {
  it('shows the mistakes example as mailns check --config prints it', () => {
    const page = readFileSync('docs/configuration.md', 'utf8');
    const [, yaml, output] = /Every\nfinding comes at once[\s\S]*?```yaml\n([\s\S]*?)```\n\n```\n\$ mailns check --config mailns.conf.yaml\n([\s\S]*?)```/.exec(page)!;
    const dir = mkdtempSync(join(tmpdir(), 'mailns-docs-mistakes-'));
    try {
      cpSync('zones', join(dir, 'zones'), { recursive: true });
      const r = checkConfig(yaml!, dir);
      expect(r.status).toBe(1);
      expect(r.stdout.startsWith(output!)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface Schema {
  properties?: Record<string, Schema>;
  definitions?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
}

describe('docs/lint.md', () => {
  it('lists every lint rule with its severity and RFC', () => {
    const page = readFileSync('docs/lint.md', 'utf8');
    for (const rule of RULES.values()) {
      expect(page, rule.id).toContain(`| \`${rule.id}\` | ${rule.severity} | ${rule.rfc} |`);
    }
  });

  it('shows the error example as mailns check prints it, the forgotten trailing dot included', () => {
    const page = readFileSync('docs/lint.md', 'utf8');
    const at = page.indexOf('A broken file is reported like this');
    expect(at).toBeGreaterThan(0);
    const [, yaml, output] = /```yaml\n([\s\S]*?)```\n\n```\n([\s\S]*?)```/.exec(page.slice(at))!;
    expect(output).toContain('error [trailing-dot]');
    const dir = mkdtempSync(join(tmpdir(), 'mailns-readme-'));
    try {
      mkdirSync(join(dir, 'zones'));
      writeFileSync(join(dir, 'zones', 't.test.yaml'), yaml!);
      const r = spawnSync(process.execPath, [CLI, 'check', 'zones'], { cwd: dir, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stdout.startsWith(output!)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
