/** Lint rules: misc (being written). */
import type { LintModule } from './rule.js';

export const miscRules: LintModule = {
  rules: [],
  run() {},
};
