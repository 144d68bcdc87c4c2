/**
 * Rejoiner2 tags of a customer (`customers/{id}/tags/`) and preference tags by email
 * (`customers/preference_tags/by_email/?email=`): read, replace (PUT), add (PATCH), remove
 * (PATCH …/remove/). `start_journey` is accepted and ignored: this collector keeps no journeys.
 */
import { MAX_STRING_CHARS, MAX_TAGS, storableText } from '../../ingest/event-limits';
import type { TagChange } from '../../domain/tag-rules';
import { readEmail } from '../conversion-input';
import { fail, isPlainObject, ok, type RestContext, type RestHandlerFn } from '../rest-context';

/** The body's tag list under `field`, or the reason it is not one. */
function readTags(body: unknown, field: 'tags' | 'preference_tags'): string[] | { reason: string } {
  if (!isPlainObject(body)) return { reason: 'body must be a JSON object' };
  const tags = body[field];
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag == 'string' && tag.length > 0 && tag.length <= MAX_STRING_CHARS))
    return { reason: `${field}: an array of strings of 1-${MAX_STRING_CHARS} characters is required` };
  if (tags.length > MAX_TAGS) return { reason: `${field}: at most ${MAX_TAGS}` };
  if (body.start_journey !== undefined && typeof body.start_journey != 'boolean') return { reason: 'start_journey: true or false' };
  return tags.map(storableText);
}

/** The email of `?email=`, or answers 400 itself. */
function queryEmail(context: RestContext): string | undefined {
  const email = readEmail({ email: context.query.get('email') ?? '' });
  if (!email.ok) return void fail(context, 400, `?${email.reason.replace(/^email/, 'email=')}`);
  return email.email;
}

export const tagHandlers = {
  tags: {
    read: (async (context) => {
      const tags = await context.store.getTags(context.site.id, context.params.customer, 'tag');
      if (!tags) return fail(context, 404, 'customer not found');
      ok(context, { tags });
    }) as RestHandlerFn,

    change:
      (change: TagChange): RestHandlerFn =>
      async (context) => {
        const tags = readTags(context.body, 'tags');
        if (!Array.isArray(tags)) return fail(context, 400, tags.reason);
        const result = await context.store.changeTags(context.site.id, context.params.customer, 'tag', change, tags, false);
        if (result == 'not_found') return fail(context, 404, 'customer not found');
        if (!Array.isArray(result)) return fail(context, 400, result.refused);
        ok(context, { tags: result });
      },
  },

  preferences: {
    read: (async (context) => {
      const email = queryEmail(context);
      if (email === undefined) return;
      const tags = await context.store.getTags(context.site.id, email, 'preference');
      if (!tags) return fail(context, 404, 'customer not found');
      ok(context, { preference_tags: tags });
    }) as RestHandlerFn,

    /** An email not seen before gets a customer: a preference given must stick. */
    change:
      (change: TagChange): RestHandlerFn =>
      async (context) => {
        const email = queryEmail(context);
        if (email === undefined) return;
        const tags = readTags(context.body, 'preference_tags');
        if (!Array.isArray(tags)) return fail(context, 400, tags.reason);
        const result = await context.store.changeTags(context.site.id, email, 'preference', change, tags, change != 'remove');
        if (result == 'not_found') return fail(context, 404, 'customer not found');
        if (!Array.isArray(result)) return fail(context, 400, result.refused);
        ok(context, { preference_tags: result });
      },
  },
};
