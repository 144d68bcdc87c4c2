/**
 * The emails the form scanner sent lately, so that each is sent once per session: "session id +
 * email" for the last five, in localStorage (an email has no business in a cookie), or in memory
 * when storage is blocked.
 */
import { tryGetJSON, trySetItem } from '../browser/storage';

const KEY = 'rejoiner:emails:v1';
let sent: string[] | undefined;

/** True the first time `email` is found in `session`. */
export function onceASession(email: string, session: string): boolean {
  const key = session + email;
  sent ||= tryGetJSON<string[]>(KEY) || [];
  if (sent.includes(key)) return false;
  sent = sent.slice(-4).concat(key);
  trySetItem(KEY, JSON.stringify(sent));
  return true;
}
