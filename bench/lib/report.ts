/** Collects bench figures with their targets and prints them as one table at the end. */

export type Verdict = 'pass' | 'FAIL' | 'info' | 'n/a';

export interface Row {
  readonly figure: string;
  readonly measured: string;
  readonly target: string;
  readonly verdict: Verdict;
}

export class Report {
  readonly rows: Row[] = [];

  /** `pass` null: a figure printed for information (no target of its own). */
  add(figure: string, measured: string, target: string, pass: boolean | null): void {
    this.rows.push({ figure, measured, target, verdict: pass === null ? 'info' : pass ? 'pass' : 'FAIL' });
    // Print each figure beside its target as soon as it is known, too.
    console.log(`  ${figure}: ${measured}   (${target}${pass === null ? '' : pass ? ' → pass' : ' → FAIL'})`);
  }

  /** A figure that could not be measured (phase failed or timed out). */
  missing(figure: string, target: string, why: string): void {
    this.rows.push({ figure, measured: `not measured: ${why}`, target, verdict: 'FAIL' });
    console.log(`  ${figure}: not measured (${why})`);
  }

  get failed(): boolean {
    return this.rows.some((r) => r.verdict === 'FAIL');
  }

  table(): string {
    const head: Row = { figure: 'figure', measured: 'measured', target: 'target', verdict: 'info' };
    const cells = (r: Row) => [r.figure, r.measured, r.target, r === head ? 'pass/fail' : r.verdict];
    const widths = [0, 1, 2, 3].map((i) => Math.max(...[head, ...this.rows].map((r) => cells(r)[i]!.length)));
    const line = (r: Row) => `| ${cells(r).map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
    return [line(head), rule, ...this.rows.map(line)].join('\n');
  }
}
