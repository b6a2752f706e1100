import type { Config } from '../config/env.js';

/** Every address that is postdesk itself: never a requester or CC, never mailed. */
export function ownAddresses(config: Config): string[] {
  const list = [config.supportAddress, ...(config.emergencyAddress ? [config.emergencyAddress] : [])];
  for (const mailbox of config.mailboxes) if (mailbox.address) list.push(mailbox.address);
  return list;
}
