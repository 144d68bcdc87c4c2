/**
 * The payload specs of the events whose commands the extension module brings (`setCustomerData`,
 * `subscribeToList`, `setSessionMetadata`), with the kinds only they use (CUSTOMER_KINDS): the
 * module hands them to the core when it arrives (src/extensions/profile.ts), and the collector
 * checks them with the others (events.ts). Spec format in shapes.ts. `name` is seed 003's own
 * setCustomerData example.
 */
import type { EventType } from './types';

export const EXTENSION_SPECS = {
  customer_data:
    'first_name:s:name last_name age:i gender:g language:n address1 address2 address3 city state postal_code country timezone phone birthdate:d tags:l email:x',
  list_subscription: 'email:E list_id:P first_name source',
  session_metadata: 'metadata:M',
} satisfies Partial<Record<EventType, string>>;
