/** `GET ping/`: the credentials work. */
import { ok, type RestHandlerFn } from '../rest-context';

export const pingHandler: RestHandlerFn = async (context) => ok(context, { status: 'success' });
