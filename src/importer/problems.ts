import type { ImportProblem } from './types.js';

export function rowProblem(
  file: string,
  line: number,
  severity: ImportProblem['severity'],
  kind: string,
  message: string,
): ImportProblem {
  return { file, line, severity, kind, message: `line ${line}: ${message}` };
}

interface KindCount {
  kind: string;
  severity: ImportProblem['severity'];
  count: number;
}

/**
 * Counts problems across batches while keeping only the first few, so a file where every one of a million
 * rows is bad still summarises in bounded memory.
 */
export class ProblemTally {
  readonly first: ImportProblem[] = [];
  errors = 0;
  warnings = 0;
  private readonly kinds = new Map<string, KindCount>();

  constructor(readonly keep = 20) {}

  add(problems: Iterable<ImportProblem>): void {
    for (const problem of problems) {
      if (problem.severity === 'error') this.errors += 1;
      else this.warnings += 1;
      if (this.first.length < this.keep) this.first.push(problem);
      const key = `${problem.severity}\u0000${problem.kind}`;
      const entry = this.kinds.get(key);
      if (entry) entry.count += 1;
      else this.kinds.set(key, { kind: problem.kind, severity: problem.severity, count: 1 });
    }
  }

  get total(): number {
    return this.errors + this.warnings;
  }

  /** Kinds, most frequent first; errors before warnings on a tie. */
  byKind(): KindCount[] {
    return [...this.kinds.values()].sort(
      (a, b) => b.count - a.count || a.severity.localeCompare(b.severity) || a.kind.localeCompare(b.kind),
    );
  }

  format(): string {
    if (this.total === 0) return 'No problems.';
    const out = [`${plural(this.errors, 'error')} (rows skipped), ${plural(this.warnings, 'warning')}.`];
    const more = this.total - this.first.length;
    out.push(`First ${this.first.length}:`);
    for (const p of this.first) out.push(`  ${p.severity.padEnd(7)} ${p.file} ${p.message}`);
    if (more > 0) out.push(`  ... and ${more} more`);
    out.push('By kind:');
    for (const k of this.byKind())
      out.push(`  ${String(k.count).padStart(7)}  ${k.severity.padEnd(7)} ${k.kind}`);
    return out.join('\n');
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A printable summary: totals, the first `limit` problems, and counts by kind. */
export function summariseProblems(problems: Iterable<ImportProblem>, limit = 20): string {
  const tally = new ProblemTally(limit);
  tally.add(problems);
  return tally.format();
}
