/** Lint rules: spf (being written). */
import type { LintModule } from './rule.js';

export const spfRules: LintModule = {
  rules: [],
  run() {},
};
