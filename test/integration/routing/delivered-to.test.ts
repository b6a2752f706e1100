/**
 * Mail whose only trace of a queue's address (or the emergency address) is where it was delivered:
 * a Bcc, seen in the SMTP envelope, or an alias delivered into a shared mailbox, seen in the
 * delivery headers the MTA wrote (X-Original-To, Delivered-To). It lands in that queue, or is an
 * emergency, as if the address had been in To. Real SMTP door (nodemailer to smtp-server).
 */
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/db/embedded.js';
import { Queue } from '../../../src/entities/index.js';
import { queryDatabase } from '../../harness/eventually.js';
import { startTestApp, type TestApp } from '../../harness/app.js';
import { gqlData } from '../../harness/graphql-client.js';
import { buildMail } from '../../harness/mail.js';

let gw: TestApp;
let smtpPort: number;

beforeAll(async () => {
  smtpPort = await freePort();
  gw = await startTestApp({ SMTP_INBOUND_PORT: String(smtpPort), SUPPORT_ADDRESS: 'support@example.com', EMERGENCY_ADDRESS: 'emergency@example.com' });
  const em = gw.app.state.orm!.em.fork();
  const billing = new Queue('Billing');
  billing.emailAddress = 'billing@example.com';
  await em.persist(billing).flush();
});
afterAll(() => gw?.stop());

/** Sends `raw` through the SMTP door with the given envelope recipients; the door answers after the commit. */
async function deliver(raw: Buffer, recipients: string[], answer = /^250 stored as ticket/): Promise<void> {
  const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  const info = await transport.sendMail({ envelope: { from: 'customer@customer.test', to: recipients }, raw });
  expect(info.response).toMatch(answer);
}

async function ticketBySubject(subject: string): Promise<{ queue: string; priority: string; ccs: string[] }> {
  const [row] = await queryDatabase<{ queue: string; priority: string; ccs: string[] }>(
    gw.databaseUrl,
    `select q.name as queue, t.priority,
            array(select p.email from ticket_cc c join person p on p.id = c.person_id where c.ticket_id = t.id order by p.email) as ccs
       from ticket t join queue q on q.id = t.queue_id where t.subject = $1`,
    [subject],
  );
  if (!row) throw new Error(`no ticket "${subject}"`);
  return row;
}

describe("a queue's address seen only where the mail was delivered", () => {
  it('Bcc: the SMTP envelope names billing@, the header To a colleague: the Billing queue, and no CC for billing@', async () => {
    await deliver(await buildMail({ to: 'Colleague <colleague@customer.test>', subject: 'Invoice 7 is wrong (bcc)' }), ['billing@example.com']);
    expect(await ticketBySubject('Invoice 7 is wrong (bcc)')).toEqual({ queue: 'Billing', priority: 'NORMAL', ccs: ['colleague@customer.test'] });
  });

  it('an alias delivered into the support mailbox: X-Original-To names billing@', async () => {
    const raw = await buildMail({ to: 'accounts@customer-alias.test', subject: 'Invoice 8 is wrong (alias)', headers: { 'X-Original-To': 'billing@example.com', 'Delivered-To': 'support@example.com' } });
    await deliver(raw, ['support@example.com']);
    expect((await ticketBySubject('Invoice 8 is wrong (alias)')).queue).toBe('Billing');
    // Without the delivery header the same mail stays in the default queue: the header decided.
    await deliver(await buildMail({ to: 'accounts@customer-alias.test', subject: 'Invoice 9 (no header)' }), ['support@example.com']);
    expect((await ticketBySubject('Invoice 9 (no header)')).queue).toBe('General');
  });

  it('the emergency address in a delivery header makes an URGENT incident', async () => {
    await deliver(await buildMail({ to: 'outage-list@customer.test', subject: 'Everything is down', headers: { 'X-Original-To': 'emergency@example.com' } }), ['support@example.com']);
    expect((await ticketBySubject('Everything is down')).priority).toBe('URGENT');
  });
});

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('a quarantined message from the SMTP door', () => {
  /** A mail from the customer with 51 Received lines: a probable loop, quarantined; the admin who looks decides it is real. */
  const looped = async (subject: string, to: string, from = 'customer@customer.test') =>
    Buffer.concat([
      Buffer.from(Array.from({ length: 51 }, (_, i) => `Received: from hop${i}.customer.test by mx.customer.test; Tue, 1 Dec 2026 10:00:00 +0000\r\n`).join('')),
      await buildMail({ from, to, subject }),
    ]);

  it('keeps its envelope, and an admin\'s retry routes by it as the first try would have: the Bcc to billing@ still counts', async () => {
    await deliver(await looped('Invoice 10 (bcc, looped)', 'Colleague <colleague@customer.test>'), ['billing@example.com'], /^250 stored as quarantined/);
    const listed = await gqlData<Data>(gw.url, gw.adminToken, `{ quarantinedMessages(filter: { status: PENDING }) { edges { node { id door subject envelopeRecipients } } } }`);
    const record = listed.quarantinedMessages.edges.map((e: Data) => e.node).find((n: Data) => n.subject === 'Invoice 10 (bcc, looped)');
    expect(record).toMatchObject({ door: 'SMTP', envelopeRecipients: ['billing@example.com'] });
    const retried = await gqlData<Data>(gw.url, gw.adminToken, `mutation($id: ID!) { retryQuarantinedMessage(id: $id) { userErrors { message } } }`, { id: record.id });
    expect(retried.retryQuarantinedMessage.userErrors).toEqual([]);
    expect(await ticketBySubject('Invoice 10 (bcc, looped)')).toEqual({ queue: 'Billing', priority: 'NORMAL', ccs: ['colleague@customer.test'] });
  });

  it('a looped mail sent only by Bcc to the emergency address is, once retried, the URGENT incident it was', async () => {
    // Another sender than the incident of the test above: that one's follow-up emergencies would thread onto it (emergency-flood.ts).
    await deliver(await looped('Everything is down (bcc, looped)', 'ops@customer.test', 'monitor@customer.test'), ['emergency@example.com'], /^250 stored as quarantined/);
    const [record] = await queryDatabase<{ id: number }>(gw.databaseUrl, `select id from quarantined_message where subject = $1`, ['Everything is down (bcc, looped)']);
    const retried = await gqlData<Data>(gw.url, gw.adminToken, `mutation($id: ID!) { retryQuarantinedMessage(id: $id) { userErrors { message } } }`, { id: String(record!.id) });
    expect(retried.retryQuarantinedMessage.userErrors).toEqual([]);
    expect((await ticketBySubject('Everything is down (bcc, looped)')).priority).toBe('URGENT');
  });
});
