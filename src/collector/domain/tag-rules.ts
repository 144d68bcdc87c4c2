/**
 * A customer's tags and preference tags (email topics it chose) as Rejoiner2's tag endpoints
 * change them: replace (PUT), add (PATCH), remove (PATCH …/remove/). Order is kept, duplicates
 * are dropped, at most MAX_TAGS of each kind. Pure.
 */
import { MAX_TAGS } from '../ingest/event-limits';

export type TagChange = 'replace' | 'add' | 'remove';

/** The tags after `change`, or the reason they cannot be stored. */
export function changeTags(current: string[], change: TagChange, tags: string[]): string[] | { refused: string } {
  const next =
    change == 'replace' ? tags : change == 'add' ? current.concat(tags) : current.filter((tag) => !tags.includes(tag));
  const unique = [...new Set(next)];
  return unique.length > MAX_TAGS ? { refused: `at most ${MAX_TAGS} tags` } : unique;
}
