import { describe, expect, it } from 'vitest';
import { chooseThread, needsAnswerLookup, referenceOrder, type ThreadInput } from '../../../src/ingest/thread.js';

const tagged = { id: 12, participants: new Set(['req@example.com', 'cc@example.com', 'agent@example.com']) };
const base: ThreadInput = { referenced: [], tagged: null, sender: 'req@example.com', forward: false };
/** The ticket of a reply that arrived before the message it answers (rule 3). */
const answeredOn = { id: 30, participants: new Set(['colleague@example.com', 'req@example.com']) };
/** A ticket whose requester's organisation writes from two domains. */
const organisation = { ...tagged, colleagueDomains: new Set(['example.com', 'example-group.de']) };

describe('chooseThread', () => {
  it.each<[string, Partial<ThreadInput>, ReturnType<typeof chooseThread>]>([
    ['In-Reply-To names a stored message', { referenced: [7] }, { kind: 'comment', ticketId: 7, via: 'reference' }],
    ['only an older reference is known', { referenced: [null, null, 9] }, { kind: 'comment', ticketId: 9, via: 'reference' }],
    ['a reference wins over a tag and a changed subject', { referenced: [7], tagged }, { kind: 'comment', ticketId: 7, via: 'reference' }],
    ['a reference wins over Fwd:', { referenced: [7], forward: true }, { kind: 'comment', ticketId: 7, via: 'reference' }],
    ['the requester uses the tag', { tagged }, { kind: 'comment', ticketId: 12, via: 'tag' }],
    ['an agent of the queue uses the tag', { tagged, sender: 'agent@example.com' }, { kind: 'comment', ticketId: 12, via: 'tag' }],
    ['a stranger uses the tag', { tagged, sender: 'stranger@evil.test' }, { kind: 'new', linkedTo: 12, reason: 'stranger-tag' }],
    ['an unparseable sender uses the tag', { tagged, sender: null }, { kind: 'new', linkedTo: 12, reason: 'stranger-tag' }],
    ['a forward without references', { tagged, forward: true }, { kind: 'new', linkedTo: 12, reason: 'forward' }],
    ['nothing known', {}, { kind: 'new', linkedTo: null, reason: 'no-thread' }],
    ['its answer arrived first, and the sender is on that ticket', { answeredOn }, { kind: 'comment', ticketId: 30, via: 'answered' }],
    ['its answer arrived first, but the sender is not on that ticket', { answeredOn, sender: 'stranger@evil.test' }, { kind: 'new', linkedTo: null, reason: 'no-thread' }],
    ['its answer arrived first, but the sender is unparseable', { answeredOn, sender: null }, { kind: 'new', linkedTo: null, reason: 'no-thread' }],
    ['a reference wins over an earlier answer', { referenced: [7], answeredOn }, { kind: 'comment', ticketId: 7, via: 'reference' }],
    ['a tag wins over an earlier answer', { tagged, answeredOn }, { kind: 'comment', ticketId: 12, via: 'tag' }],
    ['a forward stays new despite an earlier answer', { forward: true, answeredOn }, { kind: 'new', linkedTo: null, reason: 'forward' }],
    ['a colleague from the organisation uses the tag', { tagged: organisation, sender: 'deputy@example-group.de' }, { kind: 'comment', ticketId: 12, via: 'tag' }],
    ['a subdomain is not the organisation', { tagged: organisation, sender: 'x@mail.example.com' }, { kind: 'new', linkedTo: 12, reason: 'stranger-tag' }],
    ['a look-alike domain is not the organisation', { tagged: organisation, sender: 'x@example.com.evil.test' }, { kind: 'new', linkedTo: 12, reason: 'stranger-tag' }],
    ['without an organisation, the same domain is a stranger', { tagged, sender: 'deputy@example.com' }, { kind: 'new', linkedTo: 12, reason: 'stranger-tag' }],
    ['a colleague\'s original arrived after its answer', { answeredOn: { ...answeredOn, colleagueDomains: new Set(['example-group.de']) }, sender: 'deputy@example-group.de' }, { kind: 'comment', ticketId: 30, via: 'answered' }],
  ])('%s', (_name, input, expected) => {
    expect(chooseThread({ ...base, ...input })).toEqual(expected);
  });
});

describe('needsAnswerLookup', () => {
  it('asks for the earlier answer only for a message that would start a ticket of its own', () => {
    expect(needsAnswerLookup({ kind: 'new', linkedTo: null, reason: 'no-thread' })).toBe(true);
    expect(needsAnswerLookup({ kind: 'new', linkedTo: 12, reason: 'stranger-tag' })).toBe(false);
    expect(needsAnswerLookup({ kind: 'new', linkedTo: null, reason: 'forward' })).toBe(false);
    expect(needsAnswerLookup({ kind: 'comment', ticketId: 7, via: 'reference' })).toBe(false);
  });
});

describe('referenceOrder', () => {
  it('tries In-Reply-To first, then References newest first, at most 50, without repeats or blanks', () => {
    const refs = Array.from({ length: 60 }, (_, i) => `r${i}@x`);
    const order = referenceOrder('r59@x', refs);
    expect(order[0]).toBe('r59@x');
    expect(order[1]).toBe('r58@x');
    expect(order).toHaveLength(50);
    expect(order.at(-1)).toBe('r10@x');
    expect(referenceOrder(null, ['a@x', '', 'b@x'])).toEqual(['b@x', 'a@x']);
  });
});
