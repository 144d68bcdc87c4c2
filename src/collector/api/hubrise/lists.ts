/**
 * Customer lists (seed 004 §1): retrieve, list (a location's lists with the account's, or the
 * account's), create at location or account level, rename, delete. The site is the account;
 * the short `/location/...` endpoints act on its main location `{site}-1`.
 */
import { ACCOUNT_SCOPE, locationOf, mainLocation } from '../../domain/customer-lists';
import { isRefusal } from '../../store/hubrise/hubrise-store';
import type { RestContext, RestHandlerFn } from '../rest-context';
import { parseIndexQuery, parseListBody } from './input';
import { listJson } from './json';
import { answer, answerPage, invalid, notFound, refused } from './reply';

/** Which level an endpoint addresses: a location (its id) or the account. */
type Level = 'location' | 'main-location' | 'account' | 'own-account';

/** The scope the path names, or undefined (answered 404) when it is not the site's. */
function scopeOf(context: RestContext, level: Level): string | undefined {
  const site = context.site.id;
  switch (level) {
    case 'location': {
      const location = locationOf(site, context.params.location);
      if (!location) notFound(context, 'location');
      return location;
    }
    case 'main-location':
      return mainLocation(site);
    case 'account':
      if (context.params.account != site) return void notFound(context, 'account');
      return ACCOUNT_SCOPE;
    case 'own-account':
      return ACCOUNT_SCOPE;
  }
}

export const hubriseListHandlers = {
  index:
    (level: Level): RestHandlerFn =>
    async (context) => {
      const scope = scopeOf(context, level);
      if (scope === undefined) return;
      const query = parseIndexQuery(context.query, []);
      if (invalid(context, query)) return;
      // A location shows its own lists and the account's; the account only its own.
      const scopes = scope == ACCOUNT_SCOPE ? [ACCOUNT_SCOPE] : [scope, ACCOUNT_SCOPE];
      const page = await context.store.hubrise.pageLists(context.site.id, scopes, query.value.cursor, query.value.count);
      if (isRefusal(page)) return refused(context, page);
      answerPage(context, page, (list) => listJson(context.site, list));
    },

  create:
    (level: Level): RestHandlerFn =>
    async (context) => {
      const scope = scopeOf(context, level);
      if (scope === undefined) return;
      const body = parseListBody(context.body, true);
      if (invalid(context, body)) return;
      const list = await context.store.hubrise.createList(context.site.id, scope, body.value.name!);
      if (isRefusal(list)) return refused(context, list);
      answer(context, listJson(context.site, list));
    },

  read: (async (context) => {
    const list = await context.store.hubrise.getList(context.site.id, context.params.list);
    if (!list) return notFound(context, 'customer list');
    answer(context, listJson(context.site, list));
  }) as RestHandlerFn,

  update: (async (context) => {
    const body = parseListBody(context.body, false);
    if (invalid(context, body)) return;
    const { name } = body.value;
    const list =
      name === undefined
        ? (await context.store.hubrise.getList(context.site.id, context.params.list)) ?? { refused: 'no such customer list', status: 404 as const }
        : await context.store.hubrise.renameList(context.site.id, context.params.list, name);
    if (isRefusal(list)) return refused(context, list);
    answer(context, listJson(context.site, list));
  }) as RestHandlerFn,

  remove: (async (context) => {
    const list = await context.store.hubrise.deleteList(context.site.id, context.params.list);
    if (isRefusal(list)) return refused(context, list);
    answer(context, listJson(context.site, list));
  }) as RestHandlerFn,
};
