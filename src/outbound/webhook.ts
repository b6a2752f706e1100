/**
 * Sends one frozen webhook body: a JSON POST signed with `X-Postdesk-Signature: sha256=<hex>` (HMAC
 * of the exact body bytes), with `X-Postdesk-Delivery` naming the delivery so a receiver can drop
 * the duplicate a retry may cause. 2xx is delivered; 408, 429, 5xx and network errors are retried;
 * any other 4xx is permanent.
 */
import { DeliveryError } from './transport.js';
import { webhookSignature } from './mailer.js';

const TIMEOUT_MS = 10_000;

export async function postWebhook(url: string, body: Buffer, options: { key: string; event: string; deliveryId: string }): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'postdesk',
        'x-postdesk-event': options.event,
        'x-postdesk-delivery': options.deliveryId,
        'x-postdesk-signature': webhookSignature(options.key, body),
      },
      body: new Uint8Array(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
  } catch (error) {
    throw new DeliveryError(`webhook: ${(error as Error).message}`, false);
  }
  if (response.status >= 200 && response.status < 300) return;
  const temporary = response.status === 408 || response.status === 429 || response.status >= 500;
  throw new DeliveryError(`webhook answered HTTP ${response.status}`, !temporary);
}
