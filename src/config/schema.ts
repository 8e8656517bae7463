/**
 * The zone JSON Schema (schema/zone.schema.json, the file editors use too)
 * and its errors as findings: one per mistake, at the key or value it is
 * about, with a hint; an unknown key near a known one is named as its typo
 * ("did you mean"), in every mapping that has a closed set of keys.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closest } from '../util/closest.js';
import { type Problem, problem } from '../util/problem.js';
import type { YamlSource } from './source.js';
import schema from '../../schema/zone.schema.json' with { type: 'json' };

// verbose: each error carries the schema object it comes from (parentSchema), so
// the keys an additionalProperties error allows are read off the schema, wherever it is.
// Compiled on first use, not at import: the verbs that validate nothing (probe, import, --version) skip its ~0.3 s.
let validate: ValidateFunction | undefined;

/** The compiled schema, compiled once (loadZones compiles it up front, so no zone's load time carries it). */
export function zoneValidator(): ValidateFunction {
  return (validate ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema));
}

/** Every schema error of a zone file's data (none when it is valid). */
export function validateZone(data: unknown): ErrorObject[] {
  const v = zoneValidator();
  return v(data) ? [] : [...(v.errors ?? [])];
}

/** The findings for schema errors: the vague ones a precise one explains are left out. */
export function schemaProblems(src: YamlSource, errors: ErrorObject[]): Problem[] {
  return dedupeSchemaErrors(errors).map((e) => schemaProblem(src, e));
}

function dedupeSchemaErrors(errs: ErrorObject[]): ErrorObject[] {
  // oneOf failures repeat each branch's complaint; keep the most specific per path.
  const byPath = new Map<string, ErrorObject>();
  // A oneOf/anyOf complaint about a value whose parts have their own, more precise errors adds nothing.
  // So does "must be array" from the branch the user did not mean, when the branch they meant has errors.
  // So does the `const: none` of the branch for the word (mx: none), and any of these, when the value has errors inside.
  const vague = (e: ErrorObject) => e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'type' || e.keyword === 'const';
  errs = errs.filter((e) => !(vague(e) && errs.some((o) => o.instancePath.startsWith(e.instancePath + '/') || (!vague(o) && o.instancePath === e.instancePath))));
  for (const e of errs) {
    const k = e.instancePath + (e.keyword === 'additionalProperties' ? '/' + String((e.params as { additionalProperty: string }).additionalProperty) : '');
    const prev = byPath.get(k);
    if (!prev || (prev.keyword === 'oneOf' && e.keyword !== 'oneOf')) byPath.set(k, e);
  }
  return [...byPath.values()];
}

function schemaProblem(src: YamlSource, e: ErrorObject): Problem {
  const path = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const where = path.length ? path.join('.') : 'top level';
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return problem(src.at([...path, extra], true), 'schema', `unknown key "${extra}" in ${where}`, unknownKeyHint(e, extra));
    }
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return problem(src.at(path), 'schema', `${where} needs "${missing}"`, `add ${missing}: to ${where}`);
    }
    case 'type': {
      const type = (e.params as { type: string }).type;
      const example: Record<string, string> = { array: 'a list: [a, b] or one "- item" per line', object: 'a mapping: {key: value}', string: 'text (quote it if YAML reads it as a number)', integer: 'a whole number', boolean: 'true or false' };
      return problem(src.at(path), 'schema', `${where} must be ${type}`, example[type] ? `write ${example[type]}` : undefined);
    }
    case 'enum':
    case 'const': {
      const allowed = (e.params as { allowedValues?: unknown[]; allowedValue?: unknown }).allowedValues ?? [(e.params as { allowedValue?: unknown }).allowedValue];
      return problem(src.at(path), 'schema', `${where} ${e.message ?? 'is invalid'}`, `one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
    }
    default:
      return problem(src.at(path), 'schema', `${where} ${e.message ?? 'is invalid'}`);
  }
}

/**
 * The keys the mapping may have, and the one the unknown key is a typo of
 * when one is clearly nearest. A key the mapping already has is no
 * candidate: `typo` beside a written `type` is not a second `type`.
 */
function unknownKeyHint(e: ErrorObject, extra: string): string | undefined {
  const known = Object.keys((e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
  if (!known.length) return undefined;
  const written = e.data !== null && typeof e.data === 'object' ? e.data as Record<string, unknown> : {};
  const meant = closest(extra, known.filter((k) => !Object.hasOwn(written, k)));
  const list = `known keys here: ${known.join(', ')}`;
  return meant ? `did you mean "${meant}"? ${list}` : list;
}
