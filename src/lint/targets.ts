/** Lint rules: targets (being written). */
import type { LintModule } from './rule.js';

export const targetsRules: LintModule = {
  rules: [],
  run() {},
};
