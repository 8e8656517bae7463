/**
 * All lint rules, run over every zone at load time (mailns check and serve
 * alike). A zone silences a rule with `lint: {ignore: {rule-id: "why"}}`;
 * silenced findings are kept apart with the reason, for check --verbose.
 */
import type { ZoneModel } from '../config/model.js';
import { type Problem } from '../util/problem.js';
import { runSteps, type Steps } from '../util/steps.js';
import { LintContext, type LintModule, type LintView, type LintZone, type RuleInfo } from './rule.js';
import { spfRules } from './spf.js';
import { dmarcRules } from './dmarc.js';
import { dkimRules } from './dkim.js';
import { targetsRules } from './targets.js';
import { stsRules } from './sts.js';
import { tlsaRules } from './tlsa.js';
import { miscRules } from './misc.js';
import { FCRDNS_RULES } from './fcrdns.js';

export const MODULES: readonly LintModule[] = [spfRules, dmarcRules, dkimRules, targetsRules, stsRules, tlsaRules, miscRules];

/** Every lint rule, for the table in docs/lint.md and `check --format json`. */
export const RULES: ReadonlyMap<string, RuleInfo> = new Map(
  [...MODULES.flatMap((m) => m.rules), ...FCRDNS_RULES].map((r) => [r.id, r]),
);

export interface Silenced { problem: Problem; reason: string }

/** Runs every module over every zone of the view; returns findings per zone (same order) and what was silenced. */
export function lintZones(view: LintView): { findings: Problem[][]; silenced: Silenced[] } {
  return runSteps(lintZoneSteps(view));
}

/** Runs every module over every zone of the view, one zone a step (a reload lints in slices, src/server/load.ts); returns findings per zone (same order) and what was silenced. */
export function* lintZoneSteps(view: LintView): Steps<{ findings: Problem[][]; silenced: Silenced[] }> {
  const silenced: Silenced[] = [];
  const findings: Problem[][] = [];
  for (const zone of view.zones) {
    const out: Problem[] = [];
    const ctx = new LintContext(zone, view, RULES, out);
    for (const m of MODULES) m.run(ctx);
    findings.push(applyIgnores(zone.model, out, silenced));
    yield;
  }
  return { findings, silenced };
}

/** lint.ignore naming a rule that does not exist is a mistake too (a typo silences nothing). */
export function unknownIgnores(model: ZoneModel, known: ReadonlySet<string>): Problem[] {
  return Object.keys(model.lint?.ignore ?? {}).filter((id) => !RULES.has(id) && !known.has(id)).map((id) => ({
    ...model.at(['lint', 'ignore', id], true), severity: 'warning' as const, rule: 'lint-ignore-unknown',
    message: `lint.ignore names "${id}", which is no rule`, hint: 'see the rule table in docs/lint.md, or mailns check --format json',
  }));
}

export function applyIgnores(model: ZoneModel, found: Problem[], silenced: Silenced[]): Problem[] {
  const ignore = model.lint?.ignore ?? {};
  return found.filter((p) => {
    const reason = ignore[p.rule];
    if (reason === undefined) return true;
    silenced.push({ problem: p, reason });
    return false;
  });
}

export { lintView } from './rule.js';
export type { LintView, LintZone, RuleInfo };
