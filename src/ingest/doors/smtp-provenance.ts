/**
 * Where a message handed over by the SMTP door belongs, from its envelope alone: the emergency role
 * when any RCPT TO is EMERGENCY_ADDRESS, else the configured mailbox whose address it was sent to.
 * The door uses it as mail arrives, and an admin's retry of a quarantined SMTP message uses it on
 * the envelope kept with the record, so a retry routes, pages and checks SPF as the first try did.
 */
import type { Config } from '../../config/env.js';
import { Door } from '../../entities/enums.js';
import type { SmtpEnvelope } from '../authenticate-sender.js';
import type { Provenance } from '../store.js';

export function smtpProvenance(envelope: SmtpEnvelope, config: Config): Provenance {
  const recipients = envelope.recipients ?? [];
  const emergency = config.emergencyAddress !== null && recipients.includes(config.emergencyAddress);
  const mailbox = config.mailboxes.find((m) => m.address && recipients.includes(m.address));
  return {
    door: Door.SMTP,
    mailbox: emergency
      ? { name: 'smtp', role: 'EMERGENCY', address: config.emergencyAddress }
      : mailbox
        ? { name: mailbox.name, role: mailbox.role, address: mailbox.address }
        : null,
    uidValidity: null,
    uid: null,
    envelope,
  };
}
