/** Lint rules: dkim (being written). */
import type { LintModule } from './rule.js';

export const dkimRules: LintModule = {
  rules: [],
  run() {},
};
