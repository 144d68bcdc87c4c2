/**
 * The HubRise customer API's routes (seed 004), at the root as the seed writes them and under
 * `/v1` as HubRise's own base URL has them (`https://api.hubrise.com/v1`), so a client that
 * appends the version to its host works by changing the host. Updates take PATCH (the seed) and
 * PUT (what HubRise's clients send). Authenticated by `X-Access-Token` (auth.ts).
 */
import type { RestHandlerFn } from '../rest-context';
import type { Route } from '../route-table';
import { hubriseCustomerHandlers as customers } from './customers';
import { hubriseListHandlers as lists } from './lists';
import { hubriseLoyaltyHandlers as loyalty } from './loyalty';

const route = (method: Route['method'] | 'PATCH+PUT', path: string, handler: RestHandlerFn): Route[] =>
  (method == 'PATCH+PUT' ? (['PATCH', 'PUT'] as const) : [method]).flatMap((verb) =>
    [[], ['v1']].map((prefix) => ({ method: verb, pattern: [...prefix, ...path.split('/')], api: 'hubrise' as const, handler })),
  );

export const hubriseRoutes: Route[] = [
  ...route('GET', 'locations/:location/customer_lists', lists.index('location')),
  ...route('POST', 'locations/:location/customer_lists', lists.create('location')),
  ...route('GET', 'location/customer_lists', lists.index('main-location')),
  ...route('POST', 'location/customer_lists', lists.create('main-location')),
  ...route('GET', 'accounts/:account/customer_lists', lists.index('account')),
  ...route('POST', 'accounts/:account/customer_lists', lists.create('account')),
  ...route('GET', 'account/customer_lists', lists.index('own-account')),
  ...route('POST', 'account/customer_lists', lists.create('own-account')),
  ...route('GET', 'customer_lists/:list', lists.read),
  ...route('PATCH+PUT', 'customer_lists/:list', lists.update),
  ...route('DELETE', 'customer_lists/:list', lists.remove),

  ...route('GET', 'customer_lists/:list/customers', customers.index),
  ...route('POST', 'customer_lists/:list/customers', customers.create),
  ...route('GET', 'customer_lists/:list/customers/:customer', customers.read),
  ...route('PATCH+PUT', 'customer_lists/:list/customers/:customer', customers.update),
  ...route('POST', 'customer_lists/:list/customers/:customer/anonymise', customers.anonymise),

  ...route('GET', 'customer_lists/:list/loyalty_cards', loyalty.cards),
  ...route('POST', 'customer_lists/:list/loyalty_cards', loyalty.createCard),
  ...route('GET', 'customer_lists/:list/loyalty_cards/:card', loyalty.card),
  ...route('PATCH+PUT', 'customer_lists/:list/loyalty_cards/:card', loyalty.updateCard),
  ...route('GET', 'customer_lists/:list/loyalty_cards/:card/operations', loyalty.operations),
  ...route('POST', 'customer_lists/:list/loyalty_cards/:card/operations', loyalty.createOperation),
  ...route('GET', 'customer_lists/:list/loyalty_cards/:card/operations/:operation', loyalty.operation),
];
