/**
 * The loyalty platform's customer reads (seed 002), under `/organizations/{site}/`: one
 * customer, the listing (paged by 1000, `sort=created|updated`, exact `email` or `phoneNumber`),
 * and a customer's memberships (its mailing lists, paged by 10). The next page's `after` value is
 * in `X-Next-Page`, and its whole URL in a `Link: <…>; rel="next"` header; no such headers on
 * the last page. Customers are those of the site's default customer list (where the snippet,
 * Rejoiner's REST and Custobar write); deleted and forgotten ones are not shown.
 */
import { toEmail } from '../../../protocol/fields';
import { phoneKey } from '../../domain/phone';
import { DEFAULT_CONTAINER } from '../../domain/records';
import { fail, ok, type RestContext, type RestHandlerFn } from '../rest-context';
import { loyaltyCustomerJson } from './loyalty-json';

export const CUSTOMER_PAGE = 1000;
export const MEMBERSHIP_PAGE = 10;

/** An `after` value: opaque to clients, and tied to the sort it was made for. */
const encodeAfter = (parts: string[]): string => Buffer.from(parts.join('\u0000')).toString('base64url');
const decodeAfter = (text: string): string[] | undefined =>
  /^[A-Za-z0-9_-]{1,700}$/.test(text) ? Buffer.from(text, 'base64url').toString('utf8').split('\u0000') : undefined;

function nextPageHeaders(context: RestContext, after: string): void {
  const search = new URLSearchParams(context.query);
  search.set('after', after);
  context.res.setHeader('x-next-page', after);
  context.res.setHeader('link', `<${context.origin}${context.path}?${search}>; rel="next"`);
}

const found = async (context: RestContext) => {
  const customer = await context.store.customerRow(context.site.id, context.params.customer);
  return customer && customer.container == DEFAULT_CONTAINER && customer.status == 'active' ? customer : undefined;
};

export const loyaltyHandlers = {
  customer: (async (context) => {
    const customer = await found(context);
    if (!customer) return fail(context, 404, 'customer not found');
    ok(context, loyaltyCustomerJson(customer));
  }) as RestHandlerFn,

  customers: (async (context) => {
    const { query } = context;
    const sort = query.get('sort') ?? 'created';
    if (sort != 'created' && sort != 'updated') return fail(context, 400, 'sort: "created" or "updated"');
    const emailText = query.get('email');
    const email = emailText === null ? undefined : toEmail(emailText);
    if (emailText !== null && !email) return fail(context, 400, 'email: give a valid email address');
    const phoneText = query.get('phoneNumber');
    const phone = phoneText === null ? undefined : phoneKey(phoneText);
    if (phoneText !== null && phone === null) return fail(context, 400, 'phoneNumber: give a valid phone number, e.g. +61411222333');
    const afterText = query.get('after');
    let after: [number, string] | undefined;
    if (afterText !== null) {
      const parts = decodeAfter(afterText);
      if (!parts || parts.length != 3 || parts[0] != sort || !/^\d{1,16}$/.test(parts[1])) return fail(context, 400, 'after: the X-Next-Page value of the previous page, with the same sort');
      after = [Number(parts[1]), parts[2]];
    }
    const rows = await context.store.pageCustomerRows(context.site.id, {
      container: DEFAULT_CONTAINER, sort, after, limit: CUSTOMER_PAGE + 1, email, phoneKey: phone ?? undefined,
    });
    const page = rows.slice(0, CUSTOMER_PAGE);
    if (rows.length > CUSTOMER_PAGE) {
      const last = page[page.length - 1];
      nextPageHeaders(context, encodeAfter([sort, String(sort == 'created' ? last.created_at : last.updated_at), last.id]));
    }
    ok(context, page.map(loyaltyCustomerJson));
  }) as RestHandlerFn,

  memberships: (async (context) => {
    const customer = await found(context);
    if (!customer) return fail(context, 404, 'customer not found');
    const afterText = context.query.get('after');
    let after: string | null = null;
    if (afterText !== null) {
      const parts = decodeAfter(afterText);
      if (!parts || parts.length != 2 || parts[0] != 'list') return fail(context, 400, 'after: the X-Next-Page value of the previous page');
      after = parts[1];
    }
    const lists = await context.store.listsOfCustomer(context.site.id, customer.id, after, MEMBERSHIP_PAGE + 1);
    const page = lists.slice(0, MEMBERSHIP_PAGE);
    if (lists.length > MEMBERSHIP_PAGE) nextPageHeaders(context, encodeAfter(['list', page[page.length - 1].id]));
    ok(context, page.map(({ id, name }) => ({ id, name })));
  }) as RestHandlerFn,
};
