/** `GET events/`: the site's events as NDJSON (events-export.ts). */
import { streamEvents } from '../events-export';
import type { RestHandlerFn } from '../rest-context';

export const exportHandler: RestHandlerFn = (context) => streamEvents(context.res, context.store, context.site.id, context.query);
