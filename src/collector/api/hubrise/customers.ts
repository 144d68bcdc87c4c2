/**
 * Customers of a customer list (seed 004 §2): retrieve, list with `private_ref`, `email` and
 * `phone` filters (`*` wildcards), create (no field is mandatory), update (only the fields
 * present; PATCH as the seed writes it, PUT as HubRise's clients send it), anonymise.
 */
import { isRefusal } from '../../store/hubrise/hubrise-store';
import type { RestHandlerFn } from '../rest-context';
import { parseCustomerBody, parseIndexQuery } from './input';
import { customerJson } from './json';
import { answer, answerPage, invalid, notFound, refused } from './reply';

const FILTERS = ['private_ref', 'email', 'phone'] as const;

export const hubriseCustomerHandlers = {
  index: (async (context) => {
    const query = parseIndexQuery(context.query, FILTERS);
    if (invalid(context, query)) return;
    const { filters, cursor, count } = query.value;
    const page = await context.store.hubrise.searchCustomers(context.site.id, context.params.list, filters, cursor, count);
    if (isRefusal(page)) return refused(context, page);
    answerPage(context, page, (customer) => customerJson(context.site, customer));
  }) as RestHandlerFn,

  create: (async (context) => {
    const body = parseCustomerBody(context.body);
    if (invalid(context, body)) return;
    const customer = await context.store.hubrise.createCustomer(context.site.id, context.params.list, body.value);
    if (isRefusal(customer)) return refused(context, customer);
    answer(context, customerJson(context.site, customer));
  }) as RestHandlerFn,

  read: (async (context) => {
    const customer = await context.store.hubrise.getCustomer(context.site.id, context.params.list, context.params.customer);
    if (!customer) return notFound(context, 'customer in this customer list');
    answer(context, customerJson(context.site, customer));
  }) as RestHandlerFn,

  update: (async (context) => {
    const body = parseCustomerBody(context.body);
    if (invalid(context, body)) return;
    const customer = await context.store.hubrise.updateCustomer(context.site.id, context.params.list, context.params.customer, body.value);
    if (isRefusal(customer)) return refused(context, customer);
    answer(context, customerJson(context.site, customer));
  }) as RestHandlerFn,

  anonymise: (async (context) => {
    const customer = await context.store.hubrise.anonymiseCustomer(context.site.id, context.params.list, context.params.customer);
    if (isRefusal(customer)) return refused(context, customer);
    answer(context, customerJson(context.site, customer));
  }) as RestHandlerFn,
};
