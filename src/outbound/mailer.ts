/**
 * Plans one mail or webhook into the outbox: admits recipients (recipients.ts), renders the
 * template, composes the frozen bytes and enqueues them in the caller's transaction (outbox.ts).
 */
import { createHmac } from 'node:crypto';
import type { Config } from '../config/env.js';
import type { Em } from '../db/orm.js';
import type { Message, Ticket } from '../entities/index.js';
import { messageIdDomain, ourMessageId } from '../mail/headers.js';
import { composeMail, type MailAddress, type MailFile } from './compose.js';
import type { NotifyContext } from './notify.js';
import { enqueueDelivery, nextDeliveryId, WEBHOOK_PREFIX } from './outbox.js';
import { Admission, type Candidate } from './recipients.js';
import { loadTemplate, renderTemplate, withReplyMarker, type TemplateName, type TemplateVariables } from './templates.js';
import { recipientVariables } from './variables.js';
import { wordingFor, type Wording } from './wording.js';
import { displayName } from './sanitize.js';
import { recordEvent } from '../tickets/record-event.js';

export interface MailPlan {
  ticket: Ticket;
  /** Delivery kind, e.g. acknowledgement, reply, status-changed, watcher, page … */
  kind: string;
  template: TemplateName;
  to: Candidate[];
  cc?: Candidate[];
  /** `auto-replied` / `auto-generated` for mail postdesk writes itself; null for agent replies. */
  autoSubmitted: 'auto-replied' | 'auto-generated' | null;
  /** Subject to the per-address hourly limit (automatic mail other than pages). */
  limited: boolean;
  /** Or built from the mail's wording, for mail whose variables hold sentences or dates (wording.ts). */
  variables: TemplateVariables | ((wording: Wording) => TemplateVariables | Promise<TemplateVariables>);
  /** The message this mail answers (In-Reply-To). */
  answering?: Message | null;
  /** In-Reply-To/References computed once per notify call and ticket. */
  thread: { inReplyTo: string | null; references: string[] };
  /** The OUTBOUND message this mail carries (agent reply): gets the Message-ID stored. */
  carries?: Message | null;
  /** Display name in From (the agent's, for replies); default the support desk's. */
  fromName?: string | null;
  urgent?: boolean;
  /** Files the mail carries: an agent message's attachments. */
  files?: readonly MailFile[];
}

/**
 * Who mail about `ticket` comes from: SUPPORT_ADDRESS with its capitalised local part ("Support"
 * for support@…), as CONTRACT.md says; with FROM_QUEUE_ADDRESS, its queue's own address and name
 * when the queue has one (the customer wrote to billing@, so billing@ answers, as it does after
 * a reroute to that queue). Mail about no ticket comes from SUPPORT_ADDRESS.
 */
export function deskOf(config: Config, ticket: Ticket | null): { address: string; name: string } {
  const queue = ticket?.queue;
  if (config.outbound.fromQueueAddress && queue?.emailAddress) return { address: queue.emailAddress, name: queue.name };
  const local = config.supportAddress.split('@')[0]!.split('+')[0]!;
  return { address: config.supportAddress, name: local.charAt(0).toUpperCase() + local.slice(1) };
}

export class Mailer {
  readonly admission: Admission;
  private readonly domain: string;

  constructor(
    private readonly em: Em,
    private readonly ctx: NotifyContext,
    readonly now: Date,
  ) {
    this.admission = new Admission(em, ctx, now);
    this.domain = messageIdDomain(ctx.config.supportAddress);
  }

  /** Who mail about `ticket` comes from (deskOf). */
  desk(ticket: Ticket): { address: string; name: string } {
    return deskOf(this.ctx.config, ticket);
  }

  /** Where replies about `ticket` go: the desk's address (with +<number> under REPLY_TO_PLUS_ADDRESSING). */
  replyAddress(ticket: Ticket): string {
    return this.replyTo(this.desk(ticket).address, ticket);
  }

  private replyTo(address: string, ticket: Ticket): string {
    if (!this.ctx.config.outbound.plusAddressing) return address;
    const at = address.lastIndexOf('@');
    return `${address.slice(0, at)}+${ticket.number}${address.slice(at)}`;
  }

  /** Admits recipients and enqueues one mail to them; returns the recipients it went to. */
  async mail(plan: MailPlan): Promise<string[]> {
    const automatic = plan.autoSubmitted !== null;
    const admitted = capRecipients(plan.ticket, await this.admission.admit(plan.ticket, [...plan.to, ...(plan.cc ?? [])], { automatic, limited: plan.limited }), this.em);
    if (admitted.length === 0) return [];
    const toEmails = new Set(plan.to.map((c) => c.email.toLowerCase()));
    let to = admitted.filter((c) => toEmails.has(c.email));
    let cc = admitted.filter((c) => !toEmails.has(c.email));
    if (to.length === 0) [to, cc] = [cc, []];
    const first = to[0]!;
    const desk = this.desk(plan.ticket);
    // Written in the language of the person it is addressed to, else of the ticket's queue.
    const templatesDir = this.ctx.config.outbound.templatesDir;
    const wording = wordingFor(first.person?.language ?? plan.ticket.queue?.language ?? null, templatesDir);
    const template = loadTemplate(plan.template, templatesDir, wording.language);
    const planned = typeof plan.variables === 'function' ? await plan.variables(wording) : plan.variables;
    const variables = { ...planned, recipient: recipientVariables(first), support: desk };
    const rendered = withReplyMarker(renderTemplate(template, variables), this.ctx.config.outbound.replyMarker);
    const id = await nextDeliveryId(this.em);
    const messageId = plan.carries?.messageId ?? ourMessageId(this.ctx.secret, this.domain, plan.ticket.id, id);
    if (plan.carries && !plan.carries.messageId) plan.carries.messageId = messageId;
    const fromName = displayName(plan.fromName) ?? desk.name;
    const address = (c: Candidate): MailAddress => ({ email: c.email, name: c.name });
    const raw = await composeMail({
      from: { email: desk.address, name: plan.fromName ? `${fromName} (${desk.name})` : fromName },
      replyTo: this.replyTo(desk.address, plan.ticket),
      to: to.map(address),
      cc: cc.map(address),
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId,
      inReplyTo: plan.thread.inReplyTo,
      references: plan.thread.references,
      autoSubmitted: plan.autoSubmitted,
      loopMarker: this.domain,
      date: this.now,
      files: plan.files,
    });
    const recipients = admitted.map((c) => c.email);
    await enqueueDelivery(this.em, {
      id,
      ticket: plan.ticket,
      thread: plan.carries ?? null,
      kind: plan.kind,
      recipients,
      fromAddress: desk.address,
      messageId,
      automatic,
      raw,
      urgent: plan.urgent ?? false,
      now: this.now,
    });
    return recipients;
  }

  /** Enqueues a signed JSON POST (retried like mail). The body is frozen too. */
  async webhook(ticket: Ticket, event: string, url: string, payload: Record<string, unknown>, urgent: boolean): Promise<void> {
    const id = await nextDeliveryId(this.em);
    const deliveryId = `webhook.${ticket.id}.${id}@${this.domain}`;
    const body = Buffer.from(JSON.stringify({ event, id: deliveryId, createdAt: this.now.toISOString(), ...payload }), 'utf8');
    await enqueueDelivery(this.em, {
      id,
      ticket,
      thread: null,
      kind: `${WEBHOOK_PREFIX}${event}`,
      recipients: [url],
      fromAddress: null,
      messageId: deliveryId,
      automatic: false,
      raw: body,
      urgent,
      now: this.now,
    });
  }
}

/**
 * At most this many recipients per mail (TESTPLAN M5): the requester first, then CCs in order. A
 * ticket stores at most 50 CCs, so only a requester plus 50 CCs reaches the cap; the one left out
 * is named in a `recipients-capped` event rather than silently dropped.
 */
export const MAX_RECIPIENTS_PER_MAIL = 50;

function capRecipients(ticket: Ticket, admitted: Candidate[], em: Em): Candidate[] {
  if (admitted.length <= MAX_RECIPIENTS_PER_MAIL) return admitted;
  const left = admitted.slice(MAX_RECIPIENTS_PER_MAIL).map((c) => c.email);
  recordEvent(em, ticket, { kind: 'recipients-capped', actorLabel: 'system', to: left.join(', '), detail: { limit: MAX_RECIPIENTS_PER_MAIL, leftOut: left.length } });
  return admitted.slice(0, MAX_RECIPIENTS_PER_MAIL);
}

/** `sha256=<hex>` of the body under the webhook key (WEBHOOK_SECRET, else derived from the Message-ID secret). */
export function webhookSignature(key: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

export function webhookKey(webhookSecret: string | null, secret: string): string {
  return webhookSecret ?? createHmac('sha256', secret).update('postdesk-webhook').digest('hex');
}
