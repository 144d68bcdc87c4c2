/**
 * One attempt of one webhook delivery over HTTP: the stored body, signed afresh with the
 * receiver's current secret (CONTRACTS.md "Webhooks"), with a timeout. Only a 2xx acknowledges;
 * redirects are not followed (a receiver that moved must be changed in the sites file).
 */
import { webhookSignature } from '../../node/webhooks';
import type { WebhookDelivery } from '../domain/webhook-events';
import { PACKAGE_VERSION } from '../package-info';

export interface AttemptOutcome {
  /** The receiver's status, or null when no answer came (timeout, refused connection). */
  status: number | null;
  acknowledged: boolean;
  retryAfter?: string;
  error?: string;
}

export async function attemptDelivery(
  delivery: WebhookDelivery,
  secret: string,
  { timeoutMs, fetch: fetchFn = fetch }: { timeoutMs: number; fetch?: typeof fetch },
): Promise<AttemptOutcome> {
  try {
    const response = await fetchFn(delivery.url, {
      method: 'POST',
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': `rejoiner-collector/${PACKAGE_VERSION}`,
        'x-rejoiner-signature': webhookSignature(secret, delivery.body, Date.now() / 1000),
        'x-rejoiner-delivery': delivery.id,
        'x-rejoiner-event': delivery.type,
      },
    });
    // The answer's body says nothing we use: release the connection at once.
    await response.body?.cancel().catch(() => {});
    const acknowledged = response.status >= 200 && response.status < 300;
    return {
      status: response.status,
      acknowledged,
      retryAfter: response.headers.get('retry-after') ?? undefined,
      error: acknowledged ? undefined : `HTTP ${response.status}`,
    };
  } catch (error) {
    const name = (error as Error)?.name;
    const reason = name == 'TimeoutError' || name == 'AbortError' ? `no answer within ${timeoutMs} ms` : `request failed: ${(error as Error)?.message ?? error}`;
    return { status: null, acknowledged: false, error: reason.slice(0, 300) };
  }
}
