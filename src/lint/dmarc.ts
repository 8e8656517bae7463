/** Lint rules: dmarc (being written). */
import type { LintModule } from './rule.js';

export const dmarcRules: LintModule = {
  rules: [],
  run() {},
};
