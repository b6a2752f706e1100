/**
 * Who really sent a message (TESTPLAN S6, S19): SPF, DKIM, DMARC and ARC checked with mailauth,
 * boiled down to the verdict postdesk stores with the message and acts on.
 *
 *  - authenticated: DMARC passed (the From domain is proven by an aligned DKIM signature or SPF).
 *  - enforcingFail: DMARC failed and the From domain asks receivers to quarantine or reject such
 *    mail. Such a message is still stored, but it may not change anything that needs identity.
 *
 * What the door knows decides what can be checked: the SMTP door has the client IP, HELO and
 * MAIL FROM, so SPF is evaluated; IMAP and the pipe have none (the last hop was someone else's
 * server), so SPF is `none` and DMARC rests on DKIM alignment alone.
 *
 * We compute our own results from the signatures and DNS; Authentication-Results headers in the
 * message are never read (anyone can write them). DNS trouble is a `temperror` verdict, never an
 * exception: the message flows on, unpunished.
 */
import { promises as dns } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { authenticate, type AuthenticateOptions as MailauthOptions } from 'mailauth';
import { bodyOffset } from './store.js';
import { withTimeout } from '../with-timeout.js';

/** What the SMTP door saw; absent for IMAP and the pipe. */
export interface SmtpEnvelope {
  ip: string;
  helo: string | null;
  /** MAIL FROM; '' for the null reverse-path. */
  mailFrom: string | null;
  /** RCPT TO, lower-cased: routing sees them as addresses the mail was sent to (a Bcc to a queue's address). */
  recipients?: readonly string[];
}

/** Same shape as `dns.promises.resolve(name, rrtype)`; errors carry DNS codes (ENOTFOUND, ENODATA, ETIMEOUT…). */
export type DnsResolver = (name: string, rrtype: string) => Promise<unknown>;

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface SenderVerdict {
  /** Best DKIM result: pass when any signature verified, else the first signature's result, else none. */
  dkim: string;
  /** none when the door had no client IP (IMAP, pipe). */
  spf: string;
  /** pass, fail, none (no record or no single From domain), temperror, permerror. */
  dmarc: string;
  /** none when the message carries no ARC set. */
  arc: string;
  /** The From domain's effective DMARC policy; null without a record. */
  policy: DmarcPolicy | null;
  fromDomain: string | null;
  authenticated: boolean;
  enforcingFail: boolean;
}

export interface AuthenticateOptions {
  envelope?: SmtpEnvelope | null;
  /** Defaults to the system DNS behind a timeout and a per-process cache (defaultResolver()). */
  resolver?: DnsResolver;
  /** authserv-id of the results; only used in mailauth's headers, which we do not keep. */
  mta?: string;
  /** Upper bound for the whole evaluation; past it the verdict is temperror. */
  deadlineMs?: number;
}

const DEADLINE_MS = 5_000;

/** The message flag for mail whose From domain is not proven (DMARC fail, no record, broken record). */
export const UNAUTHENTICATED_FLAG = 'unauthenticated-sender';

/**
 * Flag only a definite answer: a temperror (DNS down) says nothing about the sender, and flagging
 * it would mark every message on a host whose DNS is broken.
 */
export function isUnauthenticated(verdict: SenderVerdict | null | undefined): boolean {
  return !!verdict && !verdict.authenticated && verdict.dmarc !== 'temperror';
}

/**
 * The ingest entry point: null (no lookups at all) when SENDER_AUTHENTICATION=off. `resolver` is
 * the seam tests use for a fake DNS zone; production passes none and gets defaultResolver().
 */
/** Real header blocks, DKIM and ARC sets included, stay far below this. */
const MAX_VERIFIED_HEADER_BYTES = 64 * 1024;
const UNVERIFIED: SenderVerdict = { dkim: 'none', spf: 'none', dmarc: 'none', arc: 'none', policy: null, fromDomain: null, authenticated: false, enforcingFail: false };

export async function senderVerdict(
  raw: Buffer,
  envelope: SmtpEnvelope | null | undefined,
  options: { enabled: boolean; resolver?: DnsResolver },
): Promise<SenderVerdict | null> {
  if (!options.enabled) return null;
  // mailauth's header handling is quadratic in folded lines and blocks the event loop (a 1 MB
  // folded Subject took over a minute, past any deadline): a header block this large is not
  // verified at all, and the message counts as unauthenticated (flagged, not punished).
  if (bodyOffset(raw) > MAX_VERIFIED_HEADER_BYTES) return { ...UNVERIFIED, dmarc: 'permerror' };
  const ip = envelope?.ip.replace(/^::ffff:(?=\d+\.)/i, '') ?? ''; // IPv4-mapped, as Node reports IPv4 clients on a dual-stack socket
  const family = isIP(ip);
  const fromOutside = family !== 0 && !LOCAL_NETWORKS.check(ip, family === 6 ? 'ipv6' : 'ipv4');
  return authenticateSender(raw, { envelope: fromOutside && envelope ? { ...envelope, ip } : null, resolver: options.resolver });
}

/**
 * A client on a local or private network is the site's own MTA handing mail on (the usual SMTP
 * door set-up), not the sender's server: SPF against it would fail every message, so it is not
 * evaluated, as for IMAP.
 */
const LOCAL_NETWORKS = new BlockList();
LOCAL_NETWORKS.addSubnet('127.0.0.0', 8, 'ipv4');
LOCAL_NETWORKS.addSubnet('10.0.0.0', 8, 'ipv4');
LOCAL_NETWORKS.addSubnet('172.16.0.0', 12, 'ipv4');
LOCAL_NETWORKS.addSubnet('192.168.0.0', 16, 'ipv4');
LOCAL_NETWORKS.addSubnet('169.254.0.0', 16, 'ipv4');
LOCAL_NETWORKS.addAddress('::1', 'ipv6');
LOCAL_NETWORKS.addSubnet('fc00::', 7, 'ipv6');
LOCAL_NETWORKS.addSubnet('fe80::', 10, 'ipv6');

export async function authenticateSender(raw: Buffer, options: AuthenticateOptions = {}): Promise<SenderVerdict> {
  const resolver = options.resolver ?? defaultResolver();
  const envelope = options.envelope ?? null;
  const deadlineMs = options.deadlineMs ?? DEADLINE_MS;
  try {
    const settings: MailauthOptions & { maxElapsedTime: number } = {
      // Without a client IP there is nothing for SPF to check (see summarise).
      ...(envelope ? { ip: envelope.ip, helo: envelope.helo ?? undefined, sender: envelope.mailFrom ?? '' } : { sender: '' }),
      mta: options.mta ?? 'postdesk',
      resolver: resolver as MailauthOptions['resolver'],
      disableBimi: true, // logos are not our business, and every lookup costs
      maxElapsedTime: deadlineMs, // passed on to SPF (not in mailauth's typings)
    };
    const result = await withTimeout(authenticate(raw, settings), deadlineMs, () => Object.assign(new Error('sender authentication took too long'), { code: 'ETIMEOUT' }));
    return summarise(result, envelope !== null);
  } catch {
    // A bug or a stalled lookup in a verifier must not cost the message: no verdict either way.
    return { ...UNVERIFIED, dkim: 'temperror', spf: 'temperror', dmarc: 'temperror' };
  }
}

type Result = Awaited<ReturnType<typeof authenticate>>;

function summarise(result: Result, hadClient: boolean): SenderVerdict {
  const signatures = result.dkim?.results ?? [];
  const dkim = signatures.some((s) => s.status?.result === 'pass') ? 'pass' : (signatures[0]?.status?.result ?? 'none');
  // mailauth answers temperror ("missing client IP") without asking DNS; for us that is: not evaluated.
  const spf = hadClient && result.spf ? (result.spf.status?.result ?? 'none') : 'none';
  const arc = result.arc ? (result.arc.status?.result ?? 'none') : 'none';
  const dmarcResult = result.dmarc;
  const dmarc = dmarcResult ? (dmarcResult.status?.result ?? 'none') : 'none';
  const published = dmarcResult ? (dmarcResult as { policy?: string }).policy : undefined;
  const policy = published === 'none' || published === 'quarantine' || published === 'reject' ? published : null;
  const fromDomain = dmarcResult ? ((dmarcResult as { domain?: string; status?: { header?: { from?: string } } }).status?.header?.from ?? null) : null;
  return {
    dkim,
    spf,
    dmarc,
    arc,
    policy,
    fromDomain,
    authenticated: dmarc === 'pass',
    enforcingFail: dmarc === 'fail' && (policy === 'quarantine' || policy === 'reject'),
  };
}

// --- DNS: short timeout, per-process cache, and a breaker for machines without working DNS ---

export interface CachingResolverOptions {
  /** Per query (default 2 s). */
  timeoutMs?: number;
  /** How long answers and "no such record" are kept (default 5 min). */
  ttlMs?: number;
  /** How long a failed lookup (timeout, SERVFAIL) is remembered for that name (default 30 s). */
  errorTtlMs?: number;
  maxEntries?: number;
  /**
   * After the resolver proves unreachable, fail every uncached lookup at once for this long
   * (default 30 s), doubling while it stays unreachable (at most 10 min): a host without DNS pays
   * one timeout per period, not one per message.
   */
  breakerMs?: number;
  /** Timeouts in a row, with no answer in between, after which the resolver itself is probed (default 3). */
  breakerAfter?: number;
  /** The probe: a name any working resolver answers (default the root's NS records). */
  probe?: { name: string; rrtype: string };
  now?: () => number;
}

const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA']);
const MAX_BREAKER_MS = 600_000;
/** The resolver itself is gone: no answer, not just one domain's broken name servers. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EREFUSED']);

interface Entry {
  expires: number;
  answer: Promise<unknown>;
}

/**
 * Wraps a resolver: answers and NXDOMAIN/NODATA are cached per (name, type) — one DMARC record or
 * DKIM key serves every message from that domain — concurrent lookups of one name share a query,
 * failures are remembered briefly per name, and a resolver that is unreachable (refused, or several
 * timeouts in a row) trips a breaker so a host without DNS adds no seconds per message.
 *
 * Cached answers are served even while the breaker is open, so a domain's known DMARC policy keeps
 * applying; only unknown names get a temperror (never a quarantine, never a penalty).
 */
export function cachingResolver(base: DnsResolver, options: CachingResolverOptions = {}): DnsResolver {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const ttlMs = options.ttlMs ?? 300_000;
  const errorTtlMs = options.errorTtlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const breakerMs = options.breakerMs ?? 30_000;
  const breakerAfter = options.breakerAfter ?? 3;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  let timeoutsInARow = 0;
  let downUntil = 0;
  let downFor = breakerMs;
  let probing = false;
  const probe = options.probe ?? { name: '.', rrtype: 'NS' };

  async function lookup(name: string, rrtype: string): Promise<unknown> {
    return withTimeout(base(name, rrtype), timeoutMs, () => Object.assign(new Error(`DNS ${rrtype} ${name} timed out`), { code: 'ETIMEOUT' }));
  }

  function trip(): void {
    downUntil = now() + downFor;
    downFor = Math.min(downFor * 2, MAX_BREAKER_MS);
  }

  /**
   * Timeouts may be one sender's dead name servers (which anyone can arrange, e.g. to switch the
   * checks off for the next spoofed mail), or the resolver being gone: ask the resolver something
   * it always knows, and open the breaker only when that fails too.
   */
  function checkResolver(): void {
    if (probing) return;
    probing = true;
    lookup(probe.name, probe.rrtype).then(
      () => {
        timeoutsInARow = 0;
      },
      (error: unknown) => {
        const code = (error as { code?: string }).code ?? '';
        if (code === 'ETIMEOUT' || UNREACHABLE.has(code)) trip();
        else timeoutsInARow = 0;
      },
    ).finally(() => {
      probing = false;
    });
  }

  return (name, rrtype) => {
    const key = `${rrtype}:${name.toLowerCase()}`;
    const t = now();
    const hit = cache.get(key);
    if (hit && hit.expires > t) return hit.answer;
    if (downUntil > t) return Promise.reject(Object.assign(new Error('DNS unavailable'), { code: 'ETIMEOUT' }));
    const answer = lookup(name, rrtype);
    const entry: Entry = { expires: t + ttlMs, answer };
    cache.delete(key);
    cache.set(key, entry);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    answer.then(
      () => {
        timeoutsInARow = 0;
        downFor = breakerMs;
      },
      (error: unknown) => {
        const code = (error as { code?: string }).code ?? '';
        if (NO_RECORD.has(code)) {
          timeoutsInARow = 0; // a definite "no record" is an answer: keep it for the full TTL
          downFor = breakerMs;
          return;
        }
        entry.expires = Math.min(entry.expires, now() + errorTtlMs);
        if (code === 'ETIMEOUT') timeoutsInARow++;
        if (UNREACHABLE.has(code)) trip();
        else if (timeoutsInARow >= breakerAfter) checkResolver();
      },
    );
    return answer;
  };
}

let shared: DnsResolver | null = null;

/** The system resolver, one try of at most 2 s per query, cached for the life of the process. */
export function defaultResolver(): DnsResolver {
  if (!shared) {
    const system = new dns.Resolver({ timeout: 2_000, tries: 1 });
    shared = cachingResolver((name, rrtype) => system.resolve(name, rrtype));
  }
  return shared;
}
