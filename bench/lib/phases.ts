/**
 * What the multi-phase benches (ingest, faults) share: a phase runner with a hard time limit per
 * phase (a failed phase is a FAIL row and the bench goes on), gateways stopped when their phase
 * ends with their log problems kept for the closing printout, and the clients they poll with.
 */
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import type { Dovecot, DovecotUser } from '../../test/harness/dovecot.js';
import { startGateway, type Gateway, type LogProblem } from './gateway.js';
import type { Report } from './report.js';
import { fmt } from './stats.js';
import { Cleanup, now, withTimeout } from './util.js';

export function section(title: string): void {
  console.log(`\n== ${title} ${'='.repeat(Math.max(0, 70 - title.length))}`);
}

export function imapClient(dovecot: Dovecot, user: DovecotUser): ImapFlow {
  return new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false, disableAutoIdle: true });
}

export async function connectPg(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'postdesk bench' });
  // Without a listener a server-side disconnect (PostgreSQL stopping) crashes the bench.
  client.on('error', (error) => console.error(`  [bench] PostgreSQL client: ${error.message}`));
  await client.connect();
  return client;
}

/** The ledger's outcomes with their counts, e.g. `ticket 998, quarantined 2`. */
export async function outcomes(db: pg.Client): Promise<string> {
  const { rows } = await db.query<{ outcome: string; n: string }>('select outcome, count(*) as n from inbound_receipt group by outcome order by 2 desc');
  return rows.map((r) => `${r.outcome} ${fmt(Number(r.n))}`).join(', ') || 'none';
}

interface GatewayNote {
  phase: string;
  problems: LogProblem[];
  stderr: string;
  exit: number | string | null;
}

export class BenchPhases {
  private readonly notes: GatewayNote[] = [];

  /**
   * @param selected the phases to run (BENCH_PHASES)
   * @param cleanup the bench's own cleanup (Ctrl-C); each phase registers its scope there
   */
  constructor(
    private readonly selected: ReadonlySet<string>,
    private readonly cleanup: Cleanup,
    private readonly report: Report,
  ) {}

  /**
   * Starts a gateway, and stops it (keeping its log problems) when the phase's scope ends.
   * @param expectedExit an exit status that is not a problem (e.g. a gateway killed on purpose)
   */
  async gateway(label: string, scope: Cleanup, options: Parameters<typeof startGateway>[0], expectedExit?: string): Promise<Gateway> {
    const gateway = await startGateway(options);
    scope.add(`gateway (${label})`, async () => {
      const exit = gateway.process.exitStatus();
      const code = await gateway.stop();
      const status = exit ?? (code === 0 ? null : code);
      this.notes.push({ phase: label, problems: gateway.logProblems(), stderr: gateway.unexpectedStderr(), exit: status === expectedExit ? null : status });
    });
    return gateway;
  }

  /** Runs one phase with a hard limit; a failure is reported as a FAIL row and the bench goes on. */
  async run(name: string, limitMs: number, body: (scope: Cleanup, deadline: number) => Promise<void>): Promise<boolean> {
    if (!this.selected.has(name)) return true;
    if (this.cleanup.aborted) return false;
    const scope = new Cleanup();
    // On Ctrl-C the phase's gateways, proxies and clients go first, before PostgreSQL and Dovecot.
    const unregister = this.cleanup.add(`phase ${name}`, () => scope.runAll());
    const started = now();
    try {
      // The body watches its own deadline; the outer limit is a backstop for a hang inside a library.
      await withTimeout(body(scope, started + limitMs), limitMs + 60_000, `phase ${name}`);
      return true;
    } catch (error) {
      if (this.cleanup.aborted) return false;
      console.error(`  phase ${name} failed after ${((now() - started) / 1000).toFixed(1)} s: ${(error as Error).stack ?? String(error)}`);
      this.report.missing(`${name}: phase`, 'completes', (error as Error).message.split('\n')[0] ?? 'error');
      return false;
    } finally {
      await scope.runAll();
      unregister();
      console.log(`  (phase ${name}: ${((now() - started) / 1000).toFixed(1)} s)`);
    }
  }

  /** The closing printout: each gateway's log notes, the results table and the total run time. */
  printClosing(started: number): void {
    this.printGatewayNotes();
    section('results');
    console.log(this.report.table());
    console.log(`\ntotal run time: ${((now() - started) / 1000).toFixed(1)} s`);
  }

  /** Each gateway's warnings and errors, stderr and unexpected exit status. */
  private printGatewayNotes(): void {
    section('gateway log (warn and above, per gateway)');
    if (this.notes.length === 0) console.log('  (no gateway ran)');
    for (const note of this.notes) {
      const clean = note.problems.length === 0 && !note.stderr && note.exit === null;
      console.log(`  ${note.phase}: ${clean ? 'clean (no warn/error lines, expected exit)' : ''}`);
      if (note.exit !== null) console.log(`    unexpected exit status: ${note.exit}`);
      for (const p of note.problems) console.log(`    ${p.count} × ${p.level}: ${p.msg}\n      e.g. ${p.example}`);
      if (note.stderr) console.log(`    stderr: ${note.stderr.slice(0, 2000)}`);
    }
  }
}
