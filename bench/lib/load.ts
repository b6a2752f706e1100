/**
 * A small closed-loop HTTP load generator on Node's own fetch (keep-alive): `concurrency` workers
 * each send a request, wait for the whole body, record the latency and send the next, for a fixed
 * time after a warm-up. Small enough to read in a minute; autocannon was too big a dependency.
 *
 * The latency ends with the body's last byte, as autocannon and wrk measure it. Every body is then
 * parsed and checked, outside the timing: with 32 workers in one process, a 100 KB body parsed
 * inside it also timed the other workers' parses queued ahead of it (client work, not the API's).
 */
import { readMachineBusySeconds, readProcCpuSeconds } from './rss.js';
import { now } from './util.js';

export interface LoadOptions {
  /** Builds the n-th request of a worker: URL, init and a check of the parsed body (throw = error). */
  request(worker: number, n: number, previous: unknown): { url: string; init: RequestInit };
  /** Returns a problem description when the response is not what was asked for. */
  check?(status: number, body: unknown): string | null;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** A process (the gateway) whose CPU time per request to report: steadier than latency on a shared machine. */
  readonly cpuOfPid?: number;
}

export interface LoadResult {
  /** Latencies of the requests completed in the measured window, ms. */
  readonly latencies: number[];
  readonly errors: number;
  /** The first few problems, for the printout. */
  readonly problems: string[];
  /** Completed requests per second over the measured window. */
  readonly requestsPerSecond: number;
  /** cpuOfPid's CPU time (user + system) over the measured window per request completed in it, ms; NaN without cpuOfPid. */
  readonly cpuMsPerRequest: number;
  /**
   * Where the rest of the machine's CPU went in the same window, per request, ms: this process (the
   * load generator itself) and everything else that was busy (PostgreSQL, mostly). On a 2-core
   * machine the three share the cores, so a request's latency includes its share of all of them.
   */
  readonly generatorCpuMsPerRequest: number;
  readonly otherCpuMsPerRequest: number;
}

interface CpuReading {
  readonly target: number;
  readonly generator: number;
  readonly machine: number;
}

function readCpu(pid: number | undefined): CpuReading {
  const own = process.cpuUsage();
  return {
    target: pid === undefined ? Number.NaN : readProcCpuSeconds(pid),
    generator: (own.user + own.system) / 1e6,
    machine: readMachineBusySeconds(),
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const problems: string[] = [];
  let errors = 0;
  const start = now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;
  const pid = options.cpuOfPid;
  const cpu: { start?: CpuReading; end?: CpuReading } = {};
  let completedInWindow = 0;
  const timers = [
    setTimeout(() => (cpu.start = readCpu(pid)), measureFrom - start),
    setTimeout(() => (cpu.end = readCpu(pid)), end - start),
  ];

  const worker = async (id: number) => {
    let previous: unknown = null;
    for (let n = 0; now() < end; n++) {
      const { url, init } = options.request(id, n, previous);
      const t0 = now();
      let t1: number | undefined;
      let problem: string | null = null;
      try {
        const response = await fetch(url, init);
        const text = await response.text();
        t1 = now();
        const body: unknown = JSON.parse(text);
        problem = options.check?.(response.status, body) ?? (response.status === 200 ? null : `HTTP ${response.status}`);
        previous = body;
      } catch (error) {
        problem = (error as Error).message;
        previous = null;
      }
      t1 ??= now();
      if (t1 >= measureFrom && t1 <= end) completedInWindow++;
      if (t0 < measureFrom || t1 > end) continue;
      latencies.push(t1 - t0);
      if (problem) {
        errors++;
        if (problems.length < 5) problems.push(problem);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  for (const timer of timers) clearTimeout(timer);
  const { start: first = null, end: last = readCpu(pid) } = cpu; // no end reading: the last response and the timer in one turn
  const perRequest = (field: keyof CpuReading) => (first === null ? Number.NaN : ((last[field] - first[field]) * 1000) / completedInWindow);
  const target = perRequest('target');
  const generator = perRequest('generator');
  const machine = perRequest('machine');
  return {
    latencies,
    errors,
    problems,
    requestsPerSecond: latencies.length / (options.durationMs / 1000),
    cpuMsPerRequest: target,
    generatorCpuMsPerRequest: generator,
    otherCpuMsPerRequest: machine - generator - (Number.isNaN(target) ? 0 : target),
  };
}
