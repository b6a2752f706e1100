/**
 * Relays that replace an outgoing mail's Message-ID with their own. Amazon SES does, whatever the
 * mail says ("If you provide a Message-ID header, Amazon SES overrides the header with its own
 * value"), and names the new one only in its reply to DATA ("250 Ok 0102018c…-000000"). Customers'
 * mail programs answer that ID, not ours: unrecorded, a reply would thread by its [#N] tag alone,
 * and a colleague the customer copied in would open a new ticket instead of joining this one.
 *
 * The ID on the wire is `<id>@<region>.amazonses.com` (`email.amazonses.com` in us-east-1), the
 * region being the one in the SMTP endpoint's name (email-smtp.<region>.amazonaws.com).
 */

const SES_ENDPOINT = /^email-smtp(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/i;
const SES_REPLY = /^250\s+(?:2\.0\.0\s+)?Ok\s+([0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d{6})\b/i;

/** The domain of the Message-IDs SES writes when `smtpHost` is one of its SMTP endpoints; null for any other host. */
export function sesMessageIdDomain(smtpHost: string): string | null {
  const region = SES_ENDPOINT.exec(smtpHost)?.[1]?.toLowerCase();
  if (!region) return null;
  return `${region === 'us-east-1' ? 'email' : region}.amazonses.com`;
}

/** Whether `id` may be one relayMessageId gave: only such IDs are looked up among our mail's (lookup-thread.ts). */
export function isRelayMessageId(id: string): boolean {
  return /^[0-9a-f-]{20,80}@[a-z0-9-]{1,40}\.amazonses\.com$/.test(id);
}

/**
 * The Message-ID (without angle brackets) SES put on a mail it accepted with `response`; null
 * without SES (`domain` null) or when the reply names none.
 * @param domain the configured sesMessageIdDomain
 */
export function relayMessageId(domain: string | null, response: string): string | null {
  const id = domain ? SES_REPLY.exec(response.trim())?.[1] : undefined;
  return id ? `${id.toLowerCase()}@${domain}` : null;
}
