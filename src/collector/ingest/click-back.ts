/**
 * Click-back events (CONTRACTS.md "Click-back attribution"): the browser sends only the token of
 * the link it was opened from. Here the token is checked (signature, expiry) and replaced by
 * what it stands for: the email of the abandoned session it was made for, which the assembly
 * then links the visitor to (domain/assemble-events.ts). A token that does not check out
 * refuses its event alone, with the reason.
 */
import { CLICK_BACK, readClickToken } from '../domain/click-token';
import type { WireEvent } from '../../protocol/types';

export interface ClickBackResolution {
  events: WireEvent[];
  rejected: { id: string; reason: string }[];
}

export async function resolveClickBacks(
  siteSecret: string,
  events: WireEvent[],
  sessionEmail: (session: string) => Promise<string | null | undefined>,
  now: number,
): Promise<ClickBackResolution> {
  const rejected: { id: string; reason: string }[] = [];
  const kept: WireEvent[] = [];
  for (const event of events) {
    if (event.type != CLICK_BACK) {
      kept.push(event);
      continue;
    }
    const { token } = event.data as { token: string };
    const read = readClickToken(siteSecret, token, now);
    if ('refused' in read) {
      rejected.push({ id: event.id, reason: read.refused });
      continue;
    }
    const email = await sessionEmail(read.session);
    if (!email) {
      rejected.push({ id: event.id, reason: 'token: names no session with a known customer' });
      continue;
    }
    kept.push({ ...event, data: { token, email } as WireEvent['data'] });
  }
  return { events: kept, rejected };
}
