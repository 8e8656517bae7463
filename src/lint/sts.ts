/** Lint rules: sts (being written). */
import type { LintModule } from './rule.js';

export const stsRules: LintModule = {
  rules: [],
  run() {},
};
