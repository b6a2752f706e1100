/**
 * TESTPLAN S19 (and the classification half of S6): SPF/DKIM/DMARC/ARC vectors on a fake DNS zone,
 * each with the verdict postdesk must reach. Plus the DNS guard: cache, timeout and breaker.
 */
import { describe, expect, it } from 'vitest';
import { authenticateSender, cachingResolver, senderVerdict, type SenderVerdict, type SmtpEnvelope } from '../../../src/ingest/authenticate-sender.js';
import { FakeDns, sealArc, signDkim } from '../../harness/fake-dns.js';

const CLIENT_IP = '192.0.2.10';

function mail(from: string, options: { subject?: string; body?: string; extra?: string[] } = {}): Buffer {
  return Buffer.from(
    [
      `From: Customer <${from}>`,
      'To: support@desk.example',
      `Subject: ${options.subject ?? 'Printer on fire'}`,
      'Date: Tue, 01 Jul 2025 10:00:00 +0000',
      `Message-ID: <${Math.random().toString(36).slice(2)}@${from.split('@')[1]}>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      ...(options.extra ?? []),
      '',
      options.body ?? 'It is still on fire.',
      '',
    ].join('\r\n'),
  );
}

function envelope(mailFrom: string, ip = CLIENT_IP): SmtpEnvelope {
  return { ip, helo: 'mx.sender.test', mailFrom };
}

interface Vector {
  name: string;
  build: (dns: FakeDns) => Promise<{ raw: Buffer; envelope?: SmtpEnvelope }>;
  expected: Partial<SenderVerdict>;
}

const vectors: Vector[] = [
  {
    name: 'DKIM pass, aligned, p=reject → DMARC pass',
    build: async (dns) => {
      const key = dns.dmarc('signed.test', 'reject').dkimKey('signed.test');
      return { raw: await signDkim(mail('ann@signed.test'), key) };
    },
    expected: { dkim: 'pass', spf: 'none', dmarc: 'pass', policy: 'reject', authenticated: true, enforcingFail: false },
  },
  {
    name: 'DKIM body altered after signing → no pass, DMARC fail under p=reject',
    build: async (dns) => {
      const key = dns.dmarc('signed.test', 'reject').dkimKey('signed.test');
      const signed = await signDkim(mail('ann@signed.test'), key);
      return { raw: Buffer.from(signed.toString().replace('It is still on fire.', 'Please wire 10,000 EUR.')) };
    },
    expected: { dkim: 'neutral', dmarc: 'fail', policy: 'reject', authenticated: false, enforcingFail: true },
  },
  {
    name: 'DKIM signed header altered (Subject) → fail',
    build: async (dns) => {
      const key = dns.dmarc('signed.test', 'quarantine').dkimKey('signed.test');
      const signed = await signDkim(mail('ann@signed.test'), key);
      return { raw: Buffer.from(signed.toString().replace('Subject: Printer on fire', 'Subject: Urgent invoice')) };
    },
    expected: { dkim: 'fail', dmarc: 'fail', policy: 'quarantine', authenticated: false, enforcingFail: true },
  },
  {
    name: 'DKIM with a 512-bit key → policy (weak key), does not count for DMARC',
    build: async (dns) => {
      const key = dns.dmarc('weak.test', 'reject').dkimKey('weak.test', 'short', 512);
      return { raw: await signDkim(mail('ann@weak.test'), key) };
    },
    expected: { dkim: 'policy', dmarc: 'fail', authenticated: false, enforcingFail: true },
  },
  {
    name: 'DKIM pass but signed by another domain (unaligned) → DMARC fail',
    build: async (dns) => {
      dns.dmarc('victim.test', 'reject');
      const key = dns.dkimKey('relay.test');
      return { raw: await signDkim(mail('ceo@victim.test'), key) };
    },
    expected: { dkim: 'pass', dmarc: 'fail', policy: 'reject', enforcingFail: true },
  },
  {
    name: 'SPF pass, aligned MAIL FROM → DMARC pass without DKIM',
    build: async (dns) => {
      dns.spf('spf.test', `v=spf1 ip4:${CLIENT_IP} -all`).dmarc('spf.test', 'reject');
      return { raw: mail('bob@spf.test'), envelope: envelope('bounces@spf.test') };
    },
    expected: { dkim: 'none', spf: 'pass', dmarc: 'pass', authenticated: true, enforcingFail: false },
  },
  {
    name: 'SPF fail (-all)',
    build: async (dns) => {
      dns.spf('spf.test', 'v=spf1 ip4:198.51.100.1 -all');
      return { raw: mail('bob@spf.test'), envelope: envelope('bob@spf.test') };
    },
    expected: { spf: 'fail', dmarc: 'none', policy: null, authenticated: false, enforcingFail: false },
  },
  {
    name: 'SPF softfail (~all)',
    build: async (dns) => {
      dns.spf('spf.test', 'v=spf1 ip4:198.51.100.1 ~all');
      return { raw: mail('bob@spf.test'), envelope: envelope('bob@spf.test') };
    },
    expected: { spf: 'softfail', authenticated: false, enforcingFail: false },
  },
  {
    name: 'SPF none (no record)',
    build: async () => ({ raw: mail('bob@nospf.test'), envelope: envelope('bob@nospf.test') }),
    expected: { spf: 'none', dmarc: 'none', authenticated: false, enforcingFail: false },
  },
  {
    name: 'SPF permerror (11 DNS lookups)',
    build: async (dns) => {
      const includes = Array.from({ length: 11 }, (_, i) => `include:i${i}.spf.test`).join(' ');
      dns.spf('spf.test', `v=spf1 ${includes} -all`);
      for (let i = 0; i < 11; i++) dns.spf(`i${i}.spf.test`, 'v=spf1 ip4:198.51.100.1 -all');
      return { raw: mail('bob@spf.test'), envelope: envelope('bob@spf.test') };
    },
    expected: { spf: 'permerror', authenticated: false, enforcingFail: false },
  },
  {
    name: 'DMARC fail under p=none → not enforcing',
    build: async (dns) => {
      dns.dmarc('lenient.test', 'none');
      return { raw: mail('ann@lenient.test') };
    },
    expected: { dmarc: 'fail', policy: 'none', authenticated: false, enforcingFail: false },
  },
  {
    name: 'DMARC fail under p=quarantine → enforcing',
    build: async (dns) => {
      dns.dmarc('strict.test', 'quarantine');
      return { raw: mail('ann@strict.test') };
    },
    expected: { dmarc: 'fail', policy: 'quarantine', authenticated: false, enforcingFail: true },
  },
  {
    name: 'DMARC fail under p=reject (spoofed From, SPF fails for the attacker IP) → enforcing',
    build: async (dns) => {
      dns.dmarc('bank.test', 'reject').spf('bank.test', 'v=spf1 ip4:198.51.100.1 -all');
      return { raw: mail('ceo@bank.test'), envelope: envelope('ceo@bank.test', '203.0.113.66') };
    },
    expected: { spf: 'fail', dmarc: 'fail', policy: 'reject', authenticated: false, enforcingFail: true },
  },
  {
    name: 'no DMARC record → none: unauthenticated but not punished',
    build: async () => ({ raw: mail('ann@nodmarc.test') }),
    expected: { dmarc: 'none', policy: null, authenticated: false, enforcingFail: false },
  },
  {
    name: 'DMARC lookup fails (SERVFAIL) → temperror, not enforcing',
    build: async (dns) => {
      dns.broken.add('_dmarc.flaky.test');
      return { raw: mail('ann@flaky.test') };
    },
    expected: { dmarc: 'temperror', authenticated: false, enforcingFail: false },
  },
  {
    name: 'forged Authentication-Results claiming dmarc=pass is ignored',
    build: async (dns) => {
      dns.dmarc('bank.test', 'reject');
      const forged = ['Authentication-Results: mx.desk.example; dkim=pass header.d=bank.test; spf=pass; dmarc=pass header.from=bank.test'];
      return { raw: mail('ceo@bank.test', { extra: forged }) };
    },
    expected: { dkim: 'none', dmarc: 'fail', policy: 'reject', authenticated: false, enforcingFail: true },
  },
  {
    name: 'relaxed alignment: signed by a subdomain of the From domain → DMARC pass',
    build: async (dns) => {
      dns.dmarc('org.test', 'reject');
      const key = dns.dkimKey('mail.org.test');
      return { raw: await signDkim(mail('ann@org.test'), key) };
    },
    expected: { dkim: 'pass', dmarc: 'pass', authenticated: true },
  },
  {
    name: 'IMAP/pipe door (no envelope): SPF not evaluated even with a record, DMARC rests on DKIM',
    build: async (dns) => {
      dns.spf('signed.test', 'v=spf1 -all');
      const key = dns.dmarc('signed.test', 'reject').dkimKey('signed.test');
      return { raw: await signDkim(mail('ann@signed.test'), key) };
    },
    expected: { spf: 'none', dkim: 'pass', dmarc: 'pass', authenticated: true },
  },
  {
    name: 'ARC pass: signed mail sealed by a forwarding list',
    build: async (dns) => {
      const origin = dns.dmarc('signed.test', 'reject').dkimKey('signed.test');
      const list = dns.dkimKey('lists.test', 'arc');
      return { raw: await sealArc(await signDkim(mail('ann@signed.test'), origin), list, dns) };
    },
    expected: { arc: 'pass', dkim: 'pass', dmarc: 'pass', authenticated: true },
  },
  {
    name: 'ARC broken: sealed, then the body changed',
    build: async (dns) => {
      const origin = dns.dmarc('signed.test', 'reject').dkimKey('signed.test');
      const list = dns.dkimKey('lists.test', 'arc');
      const sealed = await sealArc(await signDkim(mail('ann@signed.test'), origin), list, dns);
      return { raw: Buffer.from(sealed.toString().replace('It is still on fire.', 'Changed after the seal.')) };
    },
    expected: { arc: 'fail', dmarc: 'fail', authenticated: false, enforcingFail: true },
  },
];

describe('sender authentication vectors (S19)', () => {
  it('has the 20 vectors of S6/S19', () => {
    expect(vectors).toHaveLength(20);
  });

  it.each(vectors)('$name', async ({ build, expected }) => {
    const dns = new FakeDns();
    const { raw, envelope: env } = await build(dns);
    const verdict = await authenticateSender(raw, { envelope: env ?? null, resolver: dns.resolver });
    expect(verdict).toMatchObject(expected);
  });

  it('classifies 100% of the vectors as expected (printed)', async () => {
    let matched = 0;
    for (const v of vectors) {
      const dns = new FakeDns();
      const { raw, envelope: env } = await v.build(dns);
      const verdict = await authenticateSender(raw, { envelope: env ?? null, resolver: dns.resolver });
      if (Object.entries(v.expected).every(([k, value]) => verdict[k as keyof SenderVerdict] === value)) matched++;
    }
    console.info(`[S19] ${matched}/${vectors.length} sender-authentication vectors classified as expected (target 100%)`);
    expect(matched).toBe(vectors.length);
  });
});

describe('DNS guard', () => {
  it('looks each record up once per process: the second message from a domain costs no query', async () => {
    const dns = new FakeDns();
    const key = dns.dmarc('signed.test', 'reject').dkimKey('signed.test');
    const resolver = cachingResolver(dns.resolver);
    for (let i = 0; i < 3; i++) {
      expect(await authenticateSender(await signDkim(mail('ann@signed.test'), key), { resolver })).toMatchObject({ dmarc: 'pass' });
      expect(await authenticateSender(mail('ann@nodmarc.test'), { resolver })).toMatchObject({ dmarc: 'none' });
    }
    const first = dns.queries.length;
    await authenticateSender(await signDkim(mail('ann@signed.test'), key), { resolver });
    await authenticateSender(mail('ann@nodmarc.test'), { resolver });
    expect(dns.queries.length).toBe(first);
    expect(new Set(dns.queries).size).toBe(dns.queries.length); // nothing asked twice
  });

  it('a resolver that never answers: timeouts, a failed probe, then the breaker answers at once: temperror, no exception', async () => {
    let calls = 0;
    const hanging = cachingResolver(
      () => {
        calls++;
        return new Promise(() => undefined);
      },
      { timeoutMs: 50, breakerAfter: 1, breakerMs: 60_000 },
    );
    const first = await authenticateSender(mail('ann@somewhere.test'), { resolver: hanging });
    expect(first).toMatchObject({ dmarc: 'temperror', authenticated: false, enforcingFail: false });
    await new Promise((resolve) => setTimeout(resolve, 150)); // the probe of the resolver times out too
    const callsAfterFirst = calls;
    for (let i = 0; i < 20; i++) {
      expect(await authenticateSender(mail(`ann@other${i}.test`), { resolver: hanging })).toMatchObject({ dmarc: 'temperror', enforcingFail: false });
    }
    expect(calls).toBe(callsAfterFirst); // the breaker is open: no further queries
  });

  it("one sender's dead name servers do not switch the checks off for everyone (the probe answers)", async () => {
    const dns = new FakeDns().dmarc('bank.test', 'reject').add('NS', '.', 'a.root-servers.net');
    const resolver = cachingResolver((name, type) => (name.endsWith('dead.test') ? new Promise(() => undefined) : dns.resolver(name, type)), { timeoutMs: 30, breakerAfter: 2 });
    for (let i = 0; i < 4; i++) {
      expect(await authenticateSender(mail(`x@s${i}.dead.test`), { resolver })).toMatchObject({ dmarc: 'temperror', enforcingFail: false });
    }
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await authenticateSender(mail('ceo@bank.test'), { resolver })).toMatchObject({ dmarc: 'fail', enforcingFail: true });
  });

  it('a cached policy still applies while the breaker is open', async () => {
    const dns = new FakeDns().dmarc('bank.test', 'reject');
    let down = false;
    const resolver = cachingResolver(
      (name, type) => (down ? Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })) : dns.resolver(name, type)),
      { breakerMs: 60_000 },
    );
    expect(await authenticateSender(mail('ceo@bank.test'), { resolver })).toMatchObject({ dmarc: 'fail', enforcingFail: true });
    down = true;
    await authenticateSender(mail('ann@elsewhere.test'), { resolver }); // trips the breaker
    expect(await authenticateSender(mail('ceo@bank.test'), { resolver })).toMatchObject({ dmarc: 'fail', enforcingFail: true });
  });

  it('a verifier that throws gives a temperror verdict, never an exception', async () => {
    const verdict = await authenticateSender(mail('ann@x.test'), {
      resolver: () => {
        throw new Error('boom');
      },
    });
    expect(verdict.authenticated).toBe(false);
    expect(verdict.enforcingFail).toBe(false);
  });
});

describe('senderVerdict (the ingest entry point)', () => {
  it('SENDER_AUTHENTICATION=off: no verdict and not one DNS query', async () => {
    const dns = new FakeDns().dmarc('bank.test', 'reject');
    expect(await senderVerdict(mail('ceo@bank.test'), envelope('ceo@bank.test'), { enabled: false, resolver: dns.resolver })).toBeNull();
    expect(dns.queries).toEqual([]);
  });

  it('a header block over 64 KiB is not verified (mailauth is quadratic in folded lines): unauthenticated, no DNS query', async () => {
    const dns = new FakeDns().dmarc('bank.test', 'reject');
    const folded = `X-Filler: ${'word\r\n '.repeat(12_000)}end`;
    const verdict = await senderVerdict(mail('ceo@bank.test', { extra: [folded] }), envelope('ceo@bank.test'), { enabled: true, resolver: dns.resolver });
    expect(verdict).toMatchObject({ dmarc: 'permerror', authenticated: false, enforcingFail: false });
    expect(dns.queries).toEqual([]);
  });

  it('a client on a local network (the site MTA handing mail on) is not checked by SPF', async () => {
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.2.3', '192.168.0.5', 'fd00::1']) {
      const dns = new FakeDns().spf('spf.test', 'v=spf1 -all');
      const verdict = await senderVerdict(mail('bob@spf.test'), envelope('bob@spf.test', ip), { enabled: true, resolver: dns.resolver });
      expect(verdict?.spf, ip).toBe('none');
      expect(dns.queries.filter((q) => q === 'TXT spf.test'), ip).toEqual([]);
    }
  });

  it('a client from outside (also IPv4-mapped) is checked by SPF', async () => {
    for (const ip of ['192.0.2.10', '::ffff:192.0.2.10']) {
      const dns = new FakeDns().spf('spf.test', `v=spf1 ip4:${CLIENT_IP} -all`);
      expect((await senderVerdict(mail('bob@spf.test'), envelope('bob@spf.test', ip), { enabled: true, resolver: dns.resolver }))?.spf, ip).toBe('pass');
    }
  });
});
