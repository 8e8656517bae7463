/** Lint rules: tlsa (being written). */
import type { LintModule } from './rule.js';

export const tlsaRules: LintModule = {
  rules: [],
  run() {},
};
