/** Mail through a group that is one of our own addresses (own-group.ts), and how the classifier reads it then. */
import { describe, expect, it } from 'vitest';
import { classifyMessage } from '../../../src/ingest/classify.js';
import { ownGroupOf, throughOwnGroup } from '../../../src/ingest/own-group.js';
import type { ParsedAddress } from '../../../src/ingest/types.js';

const own = new Set(['support@example.com', 'emergency@example.com']);

/** A Google Group's markers, as it writes them for support@example.com. */
const GOOGLE: Record<string, string> = {
  'list-id': '<support.example.com>',
  'list-post': '<https://groups.google.com/a/example.com/group/support/post>, <mailto:support@example.com>',
  'list-unsubscribe': '<mailto:googlegroups-manage+1+unsubscribe@googlegroups.com>',
  precedence: 'list',
  'mailing-list': 'list support@example.com; contact support+owners@example.com',
};

function message(headers: Record<string, string>, from: ParsedAddress | null, replyTo: ParsedAddress[] = []) {
  return {
    headers: new Map(Object.entries(headers).map(([name, value]) => [name, [value]] as const)),
    from,
    replyTo,
    viaGroup: null as string | null,
    subject: 'Printer',
    text: 'The printer is broken.',
    receivedCount: 3,
    deliveryReport: null,
    readReceipt: null,
    messageId: 'x@customer.test',
    inReplyTo: null,
    references: [] as string[],
  };
}
const ann = { email: 'ann@customer.test', name: 'Ann Doe' };
const context = { ownAddresses: [...own], ownMessageIdDomain: 'example.com', spamHeaders: true };

describe('throughOwnGroup', () => {
  it('gives a From the group rewrote (DMARC) back to its author: X-Original-Sender with the Reply-To name', () => {
    const rewritten = message({ ...GOOGLE, 'x-original-sender': 'ann@customer.test' }, { email: 'support@example.com', name: "'Ann Doe' via Support" }, [ann]);
    expect(throughOwnGroup(rewritten, own)).toMatchObject({ from: ann, viaGroup: 'support@example.com' });
  });

  it("takes the name from Google's \"'Ann Doe' via Support\" without a Reply-To, X-Original-From elsewhere, or the one Reply-To", () => {
    expect(throughOwnGroup(message({ ...GOOGLE, 'x-original-sender': 'ann@customer.test' }, { email: 'support@example.com', name: "'Ann Doe' via Support" }), own).from).toEqual(ann);
    expect(throughOwnGroup(message({ ...GOOGLE, 'x-original-from': 'Bo <bo@customer.test>' }, { email: 'support@example.com', name: 'Support' }), own).from).toEqual({ email: 'bo@customer.test', name: null });
    expect(throughOwnGroup(message(GOOGLE, { email: 'support@example.com', name: 'Support' }, [ann]), own).from).toEqual(ann);
  });

  it('keeps a From that is not ours, and our own mail coming back through the group stays ours', () => {
    expect(throughOwnGroup(message(GOOGLE, ann), own)).toMatchObject({ from: ann, viaGroup: 'support@example.com' });
    const ours = message({ ...GOOGLE, 'x-original-sender': 'support@example.com' }, { email: 'support@example.com', name: 'Support' });
    expect(throughOwnGroup(ours, own).from).toEqual({ email: 'support@example.com', name: 'Support' });
    expect(classifyMessage(throughOwnGroup(ours, own), context).ownMail).toBe(true);
  });

  it("is no group of ours when List-Post names someone else's list, or nothing", () => {
    expect(ownGroupOf(message({ ...GOOGLE, 'list-post': '<mailto:users@lists.example.org>' }, ann).headers, own)).toBeNull();
    expect(ownGroupOf(message({ 'list-id': '<support.example.com>' }, ann).headers, own)).toBeNull();
    const list = message({ ...GOOGLE, 'list-post': '<mailto:users@lists.example.org>' }, ann);
    expect(throughOwnGroup(list, own)).toBe(list);
  });
});

describe('the classifier and a group of ours', () => {
  it("does not count the group's list markers as automatic mail; other signs still count", () => {
    const via = throughOwnGroup(message(GOOGLE, ann), own);
    expect(classifyMessage(via, context)).toMatchObject({ automatic: false, suppressAcknowledgement: false });
    expect(classifyMessage(message(GOOGLE, ann), context)).toMatchObject({ automatic: true, automaticReason: 'Precedence: list' });
    expect(classifyMessage(throughOwnGroup(message({ ...GOOGLE, 'auto-submitted': 'auto-replied' }, ann), own), context)).toMatchObject({ automatic: true, autoReply: true });
    expect(classifyMessage(throughOwnGroup(message({ ...GOOGLE, precedence: 'bulk' }, ann), own), context).automaticReason).toBe('Precedence: bulk');
  });
});
