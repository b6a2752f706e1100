/** Memory of another process, read from /proc/<pid>/status (Linux). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  /** Resident set size now, bytes. */
  readonly rss: number;
  /** Peak resident set size over the process's life so far (VmHWM), bytes. */
  readonly hwm: number;
}

/** Current VmRSS and VmHWM of `pid`, or null when the process is gone (or this is not Linux). */
export function readProcMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  };
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

export interface RssReport {
  /** Highest VmRSS seen by the sampler, bytes. */
  readonly peakSampledRss: number;
  /** Highest VmHWM seen (the kernel's own peak, so spikes between samples count), bytes. */
  readonly peakHwm: number;
  /** VmRSS at the last sample, bytes. */
  readonly lastRss: number;
  readonly samples: number;
}

/**
 * Samples a process's memory every `intervalMs` until stop(). Keep the final VmHWM in mind: read it
 * with stop() before the process exits, since /proc/<pid> disappears with it.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private peakSampledRss = 0;
  private peakHwm = 0;
  private lastRss = Number.NaN;
  private samples = 0;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 50,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  private sample(): void {
    const m = readProcMemory(this.pid);
    if (!m) return;
    this.samples++;
    this.lastRss = m.rss;
    if (m.rss > this.peakSampledRss) this.peakSampledRss = m.rss;
    if (m.hwm > this.peakHwm) this.peakHwm = m.hwm;
  }

  /** Takes a last sample (the final VmHWM) and stops. */
  stop(): RssReport {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return { peakSampledRss: this.peakSampledRss, peakHwm: this.peakHwm, lastRss: this.lastRss, samples: this.samples };
  }
}

let clockTicks: number | null = null;

function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time the whole machine has spent busy so far (every core, everything but idle and iowait), in seconds. */
export function readMachineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / ticksPerSecond();
}

/** CPU time (user + system) `pid` has used so far, in seconds; NaN when it is gone. */
export function readProcCpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  // Fields after the command name (which may contain spaces) start at field 3; utime/stime are 14/15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}
