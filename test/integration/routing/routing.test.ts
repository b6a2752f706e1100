/**
 * Routing end to end: rules and categories managed over GraphQL (validation, roles, dry run), and
 * mail appended to a real Dovecot landing in the queue its keywords name, with every decision
 * explained in the ticket's history. Emergency mail stays URGENT INCIDENT whatever rules say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../../src/auth/tokens.js';
import { Role } from '../../../src/entities/enums.js';
import { DOVECOT_SKIP_REASON, dovecotAvailable, startDovecot, type Dovecot } from '../../harness/dovecot.js';
import { eventually, queryDatabase } from '../../harness/eventually.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gql } from '../../harness/graphql-client.js';
import { buildMail } from '../../harness/mail.js';

if (DOVECOT_SKIP_REASON) console.warn(`[routing.test] ${DOVECOT_SKIP_REASON}`);

let dovecot: Dovecot | null = null;
let gw: TestApp;
let agentToken: string;

const RULE_FIELDS = 'id name position enabled conditions actions';
const CREATE_RULE = `mutation($input: RuleInput!) { createRule(input: $input) { ${RULE_FIELDS} } }`;
const RULES = `{ rules { name position enabled } }`;

async function admin<T>(query: string, variables?: Record<string, unknown>) {
  return gql<T>(gw.url, gw.adminToken, query, variables);
}

/**
 * Rows in a table. The mailbox pollers write their own admin events (lease taken, UIDVALIDITY
 * changed) whenever they connect, independently of any request, so those are not counted.
 */
async function count(table: string): Promise<number> {
  const where = table === 'ticket_event' ? ` where kind not in ('mailbox-lease', 'uidvalidity-changed')` : '';
  const rows = await queryDatabase<{ n: string }>(gw.databaseUrl, `select count(*) as n from ${table}${where}`);
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  if (dovecotAvailable()) dovecot = await startDovecot(1);
  const mailboxes = dovecot
    ? JSON.stringify([
        { name: 'support', url: dovecot.imapUrl(dovecot.users[0]!), folder: 'INBOX', address: 'support@example.com' },
        { name: 'emergency', url: dovecot.imapUrl(dovecot.users[0]!), folder: 'Emergency', address: 'emergency@example.com', role: 'EMERGENCY' },
      ])
    : '[]';
  gw = await startTestApp({ MAILBOXES: mailboxes, SUPPORT_ADDRESS: 'support@example.com', EMERGENCY_ADDRESS: 'emergency@example.com' });
  const em = gw.app.state.orm!.em.fork();
  agentToken = (await issueToken(em, { email: 'agent@example.com', name: 'Agent', role: Role.AGENT })).secret;
  await issueToken(em, { email: 'carol@example.com', name: 'Carol', role: Role.AGENT });
  await em.flush();
  for (const input of [
    { name: 'Billing', keywords: ['invoice', 'Rechnung für', '請求書'] },
    { name: 'Hardware', keywords: ['printer', 'toner'] },
  ]) {
    const created = await admin(`mutation($input: CreateQueueInput!) { createQueue(input: $input) { userErrors { message } } }`, { input });
    expect(created.errors).toBeUndefined();
  }
});
afterAll(async () => {
  await gw?.stop();
  await dovecot?.stop();
});

describe('rules over GraphQL', () => {
  it('creates, lists, reorders, disables and deletes rules, recording who did it', async () => {
    for (const name of ['first', 'second', 'third']) {
      const r = await admin(CREATE_RULE, { input: { name, conditions: { field: 'subject', operator: 'contains', value: `zz-${name}` }, actions: [{ setPriority: 'HIGH' }] } });
      expect(r.errors).toBeUndefined();
    }
    const inserted = await admin<{ createRule: { position: number } }>(CREATE_RULE, {
      input: { name: 'zeroth', position: 0, conditions: { all: [] }, actions: [{ addWatcher: 'CAROL@example.com' }] },
    });
    expect(inserted.data?.createRule.position).toBe(0);
    expect((await admin<{ rules: { name: string }[] }>(RULES)).data?.rules.map((r) => r.name)).toEqual(['zeroth', 'first', 'second', 'third']);

    const reordered = await admin<{ reorderRules: { name: string; position: number }[] }>(`mutation { reorderRules(names: ["third", "first", "second", "zeroth"]) { name position } }`);
    expect(reordered.data?.reorderRules).toEqual([
      { name: 'third', position: 0 },
      { name: 'first', position: 1 },
      { name: 'second', position: 2 },
      { name: 'zeroth', position: 3 },
    ]);
    const incomplete = await admin(`mutation { reorderRules(names: ["third"]) { name } }`);
    expect(incomplete.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('missing: first, second, zeroth') });

    const disabled = await admin<{ setRuleEnabled: { enabled: boolean } }>(`mutation { setRuleEnabled(name: "second", enabled: false) { enabled } }`);
    expect(disabled.data?.setRuleEnabled.enabled).toBe(false);
    const renamed = await admin<{ updateRule: { name: string; actions: unknown } }>(`mutation($input: RuleInput!) { updateRule(name: "third", input: $input) { name actions } }`, {
      input: { name: 'third renamed', actions: [{ setPriority: 'LOW' }] },
    });
    expect(renamed.data?.updateRule).toEqual({ name: 'third renamed', actions: [{ setPriority: 'LOW' }] });
    for (const name of ['first', 'second', 'third renamed', 'zeroth']) {
      const deleted = await admin<{ deleteRule: { name: string } }>(`mutation($name: String!) { deleteRule(name: $name) { name } }`, { name });
      expect(deleted.data?.deleteRule.name).toBe(name);
    }
    expect((await admin<{ rules: unknown[] }>(RULES)).data?.rules).toEqual([]);
    const audit = await queryDatabase<{ kind: string; email: string }>(gw.databaseUrl, `select e.kind, p.email from ticket_event e join person p on p.id = e.actor_id where e.ticket_id is null and e.kind like 'rule%' order by e.id`);
    expect(audit.map((a) => a.kind)).toEqual(['rule-created', 'rule-created', 'rule-created', 'rule-created', 'rules-reordered', 'rule-updated', 'rule-updated', 'rule-deleted', 'rule-deleted', 'rule-deleted', 'rule-deleted']);
    expect(new Set(audit.map((a) => a.email))).toEqual(new Set(['admin@postdesk.invalid']));
  });

  it.each([
    ['an unknown field', { field: 'colour', operator: 'equals', value: 'red' }, [{ stop: true }], /conditions\.field: unknown field "colour"/],
    ['an unknown operator', { field: 'subject', operator: 'like', value: 'x' }, [{ stop: true }], /conditions\.operator: unknown operator "like"/],
    ['an invalid regex', { field: 'subject', operator: 'matches', value: '([a-z' }, [{ stop: true }], /invalid or unsafe regular expression/],
    ['an unsafe regex (back-reference)', { field: 'body', operator: 'matches', value: '(a+)\\1' }, [{ stop: true }], /invalid or unsafe regular expression/],
    ['an unknown queue', { all: [] }, [{ setQueue: 'Nowhere' }], /actions\.0\.setQueue: no queue named "Nowhere"/],
    ['an unknown person', { all: [] }, [{ assign: 'ghost@example.com' }], /ghost@example\.com is not an active agent/],
    ['an unknown action', { all: [] }, [{ paintItRed: true }], /unknown action "paintItRed"/],
  ])('refuses a rule with %s as BAD_USER_INPUT, storing nothing', async (_what, conditions, actions, message) => {
    const before = await count('rule');
    const r = await admin(CREATE_RULE, { input: { name: 'bad', conditions, actions } });
    expect(r.data).toBeNull();
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(r.errors?.[0]?.message).toMatch(message);
    expect(await count('rule')).toBe(before);
  });

  it('lets only admins manage rules and categories; agents may list categories', async () => {
    const asAgent = await gql(gw.url, agentToken, CREATE_RULE, { input: { name: 'x', conditions: { all: [] }, actions: [{ stop: true }] } });
    expect(asAgent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const query of [RULES, `{ testRules(raw: "Subject: x\\r\\n\\r\\nhi") { queue } }`, `mutation { createCategory(input: {name: "x"}) { name } }`, `mutation { deleteRule(name: "x") { name } }`]) {
      expect((await gql(gw.url, agentToken, query)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await gql(gw.url, agentToken, `{ categories { name } }`)).errors).toBeUndefined();
  });

  it('manages categories and refuses to delete one a rule still sets', async () => {
    const created = await admin<{ createCategory: { name: string; requiresApproval: boolean; approver: { email: string } } }>(
      `mutation { createCategory(input: {name: "Access", requiresApproval: true, approver: "carol@example.com"}) { name requiresApproval approver { email } } }`,
    );
    expect(created.data?.createCategory).toEqual({ name: 'Access', requiresApproval: true, approver: { email: 'carol@example.com' } });
    const duplicate = await admin(`mutation { createCategory(input: {name: "Access"}) { name } }`);
    expect(duplicate.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['name'] } });
    await admin(CREATE_RULE, { input: { name: 'uses access', enabled: false, conditions: { field: 'subject', operator: 'contains', value: 'never' }, actions: [{ setCategory: 'Access' }] } });
    const refused = await admin(`mutation { deleteCategory(name: "Access") { name } }`);
    expect(refused.errors?.[0]?.message).toMatch(/set by rules "uses access"/);
    await admin(`mutation { deleteRule(name: "uses access") { name } }`);
  });
});

describe('testRules', () => {
  it('shows the decision for a raw message and stores nothing', async () => {
    await admin(CREATE_RULE, {
      input: { name: 'VIP customers', conditions: { field: 'fromDomain', operator: 'in', value: ['vip.example'] }, actions: [{ setPriority: 'HIGH' }, { addWatcher: 'carol@example.com' }] },
    });
    const raw = (await buildMail({ from: 'Boss <boss@vip.example>', to: 'support@example.com', subject: 'Invoice 42 is wrong', text: 'Please fix the invoice.' })).toString('utf8');
    const tables = ['ticket', 'message', 'person', 'ticket_event', 'raw_source', 'inbound_receipt', 'quarantined_message'];
    const before = await Promise.all(tables.map(count));
    const r = await admin<{ testRules: Record<string, unknown> }>(
      `query($raw: String!) { testRules(raw: $raw) { queue priority type category assignee watchers status emergency acknowledge automaticReason matchedRules { name actions } matchedKeywords { queue keyword field } steps { actor kind value text } } }`,
      { raw },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.testRules).toMatchObject({
      queue: 'Billing',
      priority: 'HIGH',
      type: 'QUESTION',
      category: null,
      watchers: ['carol@example.com'],
      status: 'OPEN',
      emergency: false,
      acknowledge: true,
      automaticReason: null,
      matchedRules: [{ name: 'VIP customers', actions: [{ setPriority: 'HIGH' }, { addWatcher: 'carol@example.com' }] }],
      matchedKeywords: [
        { queue: 'Billing', keyword: 'invoice', field: 'subject' },
        { queue: 'Billing', keyword: 'invoice', field: 'body' },
      ],
    });
    expect(r.data?.testRules.steps).toContainEqual({ actor: 'keyword:invoice', kind: 'queue', value: 'Billing', text: "keyword 'invoice' → queue Billing (score 4)" });
    expect(r.data?.testRules.steps).toContainEqual(expect.objectContaining({ text: "rule 'VIP customers' set priority HIGH" }));
    expect(await Promise.all(tables.map(count))).toEqual(before);
  });

  it('says why a message counts as automatic mail: by its headers, or by an auto-reply subject when it answers something', async () => {
    const TEST = `query($raw: String!) { testRules(raw: $raw) { acknowledge automaticReason } }`;
    const decide = async (mail: Parameters<typeof buildMail>[0]) => (await admin<{ testRules: Record<string, unknown> }>(TEST, { raw: (await buildMail(mail)).toString('utf8') })).data?.testRules;
    expect(await decide({ subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } })).toEqual({ acknowledge: false, automaticReason: 'Auto-Submitted: auto-replied' });
    expect(await decide({ subject: 'Automatic reply: Re: [#7] Invoice', inReplyTo: 'abc@desk.example' })).toEqual({ acknowledge: false, automaticReason: 'auto-reply subject (Automatic reply)' });
    expect(await decide({ subject: 'Automatic reply: what does this setting do?' })).toEqual({ acknowledge: true, automaticReason: null });
  });

  it('answers a message it cannot parse, or an unknown mailbox, with BAD_USER_INPUT', async () => {
    const empty = await admin(`{ testRules(raw: "") { queue } }`);
    expect(empty.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['raw'] } });
    const mailbox = await admin(`{ testRules(raw: "Subject: x\\r\\n\\r\\nhi", mailbox: "nope") { queue } }`);
    expect(mailbox.errors?.[0]?.message).toMatch(/no mailbox named "nope"/);
  });
});

describe.skipIf(!dovecotAvailable())('routing inbound mail from Dovecot', () => {
  async function ticketFor(subject: string) {
    return eventually(async () => {
      const rows = await queryDatabase<{ id: number; queue: string; priority: string; type: string; status: string; category: string | null }>(
        gw.databaseUrl,
        `select t.id, q.name as queue, t.priority, t.type, t.status, c.name as category from ticket t left join queue q on q.id = t.queue_id left join category c on c.id = t.category_id where t.subject = $1`,
        [subject],
      );
      return rows[0];
    }, `a ticket "${subject}"`);
  }

  async function eventsOf(ticketId: number) {
    return queryDatabase<{ kind: string; actor_label: string | null; to_value: string | null; text: string | null }>(
      gw.databaseUrl,
      `select kind, actor_label, to_value, detail->>'text' as text from ticket_event where ticket_id = $1 order by id`,
      [ticketId],
    );
  }

  it('puts mail in the queue its keywords name, in any language, and explains why', async () => {
    const user = dovecot!.users[0]!;
    await dovecot!.append(user, await buildMail({ to: 'support@example.com', subject: 'Toner empty', text: 'The printer on floor 3 needs toner.' }));
    await dovecot!.append(user, await buildMail({ to: 'support@example.com', subject: 'Frage zur RECHNUNG FÜR März', text: 'Hallo' }));
    await dovecot!.append(user, await buildMail({ to: 'support@example.com', subject: '先月の請求書について', text: 'よろしくお願いします' }));
    await dovecot!.append(user, await buildMail({ to: 'support@example.com', subject: 'Hello there', text: 'Nothing to route on.' }));

    const toner = await ticketFor('Toner empty');
    expect(toner.queue).toBe('Hardware');
    expect(await eventsOf(toner.id)).toContainEqual({ kind: 'queue', actor_label: 'keyword:toner', to_value: 'Hardware', text: "keyword 'toner' → queue Hardware (score 5)" });
    expect((await ticketFor('Frage zur RECHNUNG FÜR März')).queue).toBe('Billing');
    expect((await ticketFor('先月の請求書について')).queue).toBe('Billing');
    const plain = await ticketFor('Hello there');
    expect(plain.queue).toBe('General');
    expect(await eventsOf(plain.id)).toContainEqual(expect.objectContaining({ kind: 'queue', actor_label: 'default', to_value: 'General' }));
  });

  it('applies rules before keywords, records each action, and starts approval categories in PENDING_APPROVAL', async () => {
    await admin(CREATE_RULE, {
      input: {
        name: 'access requests',
        conditions: { all: [{ field: 'subject', operator: 'matches', value: '^\\s*access (request|needed)' }, { not: { field: 'isReply', value: true } }] },
        actions: [{ setQueue: 'Hardware' }, { setCategory: 'Access' }, { assign: 'carol@example.com' }, { stop: true }],
      },
    });
    await admin(CREATE_RULE, { input: { name: 'never reached', conditions: { all: [] }, actions: [{ setPriority: 'LOW' }] } });
    await dovecot!.append(dovecot!.users[0]!, await buildMail({ to: 'support@example.com', subject: 'Access request: invoice system', text: 'I need the invoice tool.' }));
    const ticket = await ticketFor('Access request: invoice system');
    expect(ticket).toMatchObject({ queue: 'Hardware', category: 'Access', status: 'PENDING_APPROVAL', priority: 'NORMAL' });
    const events = await eventsOf(ticket.id);
    expect(events.map((e) => e.text).filter(Boolean)).toEqual([
      "rule 'access requests' set queue Hardware",
      "rule 'access requests' set category Access",
      "rule 'access requests' assigned carol@example.com",
      'category Access requires approval: PENDING_APPROVAL',
    ]);
    const assignee = await queryDatabase<{ email: string }>(gw.databaseUrl, `select p.email from ticket t join person p on p.id = t.assignee_id where t.id = $1`, [ticket.id]);
    expect(assignee).toEqual([{ email: 'carol@example.com' }]);
  });

  it('makes mail to the emergency address URGENT INCIDENT even when a rule says LOW (D5 with rules)', async () => {
    await admin(CREATE_RULE, {
      input: { name: 'everything low', position: 0, conditions: { all: [] }, actions: [{ setPriority: 'LOW' }, { setType: 'QUESTION' }, { addWatcher: 'carol@example.com' }] },
    });
    await dovecot!.append(dovecot!.users[0]!, await buildMail({ to: 'emergency@example.com', subject: 'Datacenter on fire', text: 'Smoke everywhere.' }), 'Emergency');
    const ticket = await ticketFor('Datacenter on fire');
    expect(ticket).toMatchObject({ priority: 'URGENT', type: 'INCIDENT', status: 'OPEN' });
    const events = await eventsOf(ticket.id);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'watcher-added', actor_label: 'rule:everything low', to_value: 'carol@example.com' }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'priority', actor_label: 'emergency', to_value: 'URGENT' }));
    const watchers = await queryDatabase<{ email: string }>(gw.databaseUrl, `select p.email from ticket_watcher w join person p on p.id = w.person_id where w.ticket_id = $1`, [ticket.id]);
    expect(watchers).toEqual([{ email: 'carol@example.com' }]);
  });
});
