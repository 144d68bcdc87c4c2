/**
 * Journeys and segments live in Rejoiner's own product; this collector keeps neither yet, so
 * their endpoints answer what is true: no such journey or segment, with the reason.
 */
import { fail, type RestHandlerFn } from '../rest-context';

export const notKeptHandler =
  (kind: 'journey' | 'segment'): RestHandlerFn =>
  async (context) =>
    fail(context, 404, `no such ${kind}: this collector keeps no ${kind}s (README "REST API")`);
