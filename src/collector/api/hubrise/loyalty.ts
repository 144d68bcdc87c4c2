/**
 * Loyalty cards (seed 004 §3) and their operations (§4): cards listed with `customer_id`, `name`
 * and `ref` filters, created for a customer of the list, renamed or given another ref; operations
 * appended (never changed), listed newest first.
 */
import { mainLocation } from '../../domain/customer-lists';
import { isRefusal } from '../../store/hubrise/hubrise-store';
import type { RestHandlerFn } from '../rest-context';
import { parseCardBody, parseIndexQuery, parseOperationBody } from './input';
import { cardJson, operationJson } from './json';
import { answer, answerPage, invalid, notFound, refused } from './reply';

const CARD_FILTERS = ['customer_id', 'name', 'ref'] as const;

export const hubriseLoyaltyHandlers = {
  cards: (async (context) => {
    const query = parseIndexQuery(context.query, CARD_FILTERS);
    if (invalid(context, query)) return;
    const { filters, cursor, count } = query.value;
    const page = await context.store.hubrise.pageCards(context.site.id, context.params.list, filters, cursor, count);
    if (isRefusal(page)) return refused(context, page);
    answerPage(context, page, cardJson);
  }) as RestHandlerFn,

  createCard: (async (context) => {
    const body = parseCardBody(context.body, true);
    if (invalid(context, body)) return;
    const { customer, name = null, ref = null } = body.value;
    const card = await context.store.hubrise.createCard(context.site.id, context.params.list, { customer: customer!, name, ref });
    if (isRefusal(card)) return refused(context, card);
    answer(context, cardJson(card));
  }) as RestHandlerFn,

  card: (async (context) => {
    const card = await context.store.hubrise.getCard(context.site.id, context.params.list, context.params.card);
    if (!card) return notFound(context, 'loyalty card in this customer list');
    answer(context, cardJson(card));
  }) as RestHandlerFn,

  updateCard: (async (context) => {
    const body = parseCardBody(context.body, false);
    if (invalid(context, body)) return;
    const card = await context.store.hubrise.updateCard(context.site.id, context.params.list, context.params.card, body.value);
    if (isRefusal(card)) return refused(context, card);
    answer(context, cardJson(card));
  }) as RestHandlerFn,

  operations: (async (context) => {
    const query = parseIndexQuery(context.query, []);
    if (invalid(context, query)) return;
    const { cursor, count } = query.value;
    const page = await context.store.hubrise.pageOperations(context.site.id, context.params.list, context.params.card, cursor, count);
    if (isRefusal(page)) return refused(context, page);
    answerPage(context, page, (operation) => operationJson(context.site, operation));
  }) as RestHandlerFn,

  createOperation: (async (context) => {
    const body = parseOperationBody(context.body);
    if (invalid(context, body)) return;
    const input = { ...body.value, order_location_id: mainLocation(context.site.id) };
    const operation = await context.store.hubrise.createOperation(context.site.id, context.params.list, context.params.card, input);
    if (isRefusal(operation)) return refused(context, operation);
    answer(context, operationJson(context.site, operation));
  }) as RestHandlerFn,

  operation: (async (context) => {
    const { list, card, operation: id } = context.params;
    const operation = await context.store.hubrise.getOperation(context.site.id, list, card, id);
    if (!operation) return notFound(context, 'operation of this loyalty card');
    answer(context, operationJson(context.site, operation));
  }) as RestHandlerFn,
};
