/** Conversions: REST 1.0 `lead/convert` and Rejoiner2 `customer/convert/` and `customer/always_convert/`. */
import { parseConversionInput } from '../conversion-input';
import { empty, fail, ok, type RestHandlerFn } from '../rest-context';

export const conversionHandlers = {
  /** Every open order of the email; seed 003: "Response body will always be empty". */
  leadConvert: (async (context) => {
    const input = parseConversionInput(context.body, true);
    if (!input.ok) return fail(context, 400, input.reason);
    const converted = await context.store.convertOrders(context.site.id, input.email, { ...input.conversion, scope: 'all' });
    if (typeof converted != 'number') return fail(context, 400, converted.refused);
    empty(context);
  }) as RestHandlerFn,

  /** The latest open order (seed 000); `always` records a conversion even when none is open. */
  customerConvert:
    (scope: 'latest' | 'always'): RestHandlerFn =>
    async (context) => {
      const input = parseConversionInput(context.body, false);
      if (!input.ok) return fail(context, 400, input.reason);
      const converted = await context.store.convertOrders(context.site.id, input.email, { ...input.conversion, scope });
      if (typeof converted != 'number') return fail(context, 400, converted.refused);
      ok(context, { converted });
    },
};
