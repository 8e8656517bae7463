/** Errors are values with a place (STYLE.md habit 3): collected, then reported together. */

export interface At {
  file: string;
  line: number;
  col: number;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Problem extends At {
  severity: Severity;
  /** Stable id, e.g. `yaml-syntax`, `schema`, `cname-exclusive`. */
  rule: string;
  message: string;
  /** What to write instead. */
  hint?: string;
  /** The record concerned, in zone-file form. */
  record?: string;
  /** The RFC section the rule comes from, e.g. "RFC 7208 §4.6.4". */
  rfc?: string;
}

export function problem(at: At, rule: string, message: string, hint?: string, severity: Severity = 'error'): Problem {
  return { ...at, severity, rule, message, hint };
}

export function formatProblem(p: Problem): string {
  const where = `${p.file}:${p.line}:${p.col}`;
  return `${where}: ${p.severity} [${p.rule}] ${p.message}${p.rfc ? ` (${p.rfc})` : ''}`
    + (p.record ? `\n    record: ${p.record}` : '')
    + (p.hint ? `\n    hint: ${p.hint}` : '');
}

export function sortProblems(ps: Problem[]): Problem[] {
  return [...ps].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
}
