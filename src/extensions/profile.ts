/**
 * The shopper's profile commands of JS API v4, moved out of the core because few pages use them:
 * `setCustomerData` (its email, if any, also as a `customer_email` event, as `setCartData` does),
 * `subscribeToList` and `setSessionMetadata`. Their events go through the core's `emit`, so they
 * get the same ids, sequence numbers and URL as any other; the core holds the commands after the
 * first of them until this module has run it, so push order holds.
 */
import type { Command, Emit } from '../browser/commands';
import { EXTENSION_SPECS } from '../protocol/extension-shapes';
import { CUSTOMER_KINDS } from '../protocol/fields';
import type { addShapes } from '../protocol/shapes';

/** First hands the payload specs of these events to the core (`addShapes`), whose `emit` needs them. */
export function profileCommands(
  emit: Emit,
  coreAddShapes: typeof addShapes,
  commands: Record<string, Command>,
): Record<string, Command> {
  coreAddShapes(EXTENSION_SPECS, CUSTOMER_KINDS);
  return {
    setCustomerData(customer) {
      if (emit('customer_data', customer) && (customer as { email?: unknown }).email != null)
        commands.setCustomerEmail((customer as { email: unknown }).email);
    },
    subscribeToList: (subscription) => emit('list_subscription', subscription),
    setSessionMetadata: (metadata) => emit('session_metadata', { metadata }),
  };
}
