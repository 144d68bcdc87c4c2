/**
 * Paged listings in Rejoiner's shape: `{count, next, previous, results}` with `?page=N` from 1
 * (REJOINER-API.md). `next` also carries an opaque `cursor`, so a client that follows it reads
 * each page at the same cost and never sees a row skipped or repeated when others are added
 * meanwhile; a `page` asked for without a cursor skips the rows before it (it costs them).
 */
import type { PageRequest, RowPage } from '../store/store';
import type { RestContext } from './rest-context';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;
/**
 * Rows a `page` without a cursor may skip: beyond them a page would cost what is stored, so
 * deeper pages are reached by following `next` (which carries a cursor).
 */
export const MAX_SKIPPED_ROWS = 10_000;

export interface PageQuery {
  page: number;
  size: number;
  request: PageRequest;
}

/** Reads `page`, `page_size` and `cursor` from the query; a reason when one is not valid. */
export function readPageQuery(query: URLSearchParams): PageQuery | { reason: string } {
  const pageText = query.get('page') ?? '1';
  const sizeText = query.get('page_size') ?? String(DEFAULT_PAGE_SIZE);
  if (!/^\d{1,9}$/.test(pageText) || +pageText < 1) return { reason: 'page: an integer from 1' };
  if (!/^\d{1,4}$/.test(sizeText) || +sizeText < 1 || +sizeText > MAX_PAGE_SIZE) return { reason: `page_size: an integer from 1 to ${MAX_PAGE_SIZE}` };
  const page = +pageText;
  const size = +sizeText;
  const cursor = query.get('cursor');
  if (cursor !== null && !/^[\w.-]{1,64}$/.test(cursor)) return { reason: 'cursor: a cursor from a next link' };
  if (cursor === null && (page - 1) * size > MAX_SKIPPED_ROWS)
    return { reason: `page: without a cursor at most ${MAX_SKIPPED_ROWS} rows can be skipped; follow the next links, which carry one` };
  return { page, size, request: cursor !== null ? { cursor, limit: size } : { offset: (page - 1) * size, limit: size } };
}

/** The envelope of a page; `count` is the number of rows in the whole listing. */
export function pagedAnswer<T, R>(context: RestContext, query: PageQuery, page: RowPage<T>, count: number, map: (row: T) => R) {
  const link = (params: Record<string, string | number>): string => {
    const search = new URLSearchParams(context.query);
    search.delete('cursor');
    for (const [name, value] of Object.entries(params)) search.set(name, String(value));
    return `${context.origin}${context.path}?${search}`;
  };
  return {
    count,
    next: page.next === null ? null : link({ page: query.page + 1, cursor: page.next }),
    previous: query.page > 1 ? link({ page: query.page - 1 }) : null,
    results: page.rows.map(map),
  };
}
