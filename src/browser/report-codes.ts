/**
 * What the core reports in debug mode, as codes: the core ships no message text, the debug
 * module (src/debug/messages.ts) has the words for each code, the way React ships its production
 * error codes. Numbers from 10 on: 1-9 are the normalizer's (src/protocol/warnings.ts). Each
 * comment gives the values that follow the code.
 */

/** A command about to run (log): its name, its argument. */
export const COMMAND = 10;
/** A command threw (warn): its name, the error. */
export const FAILED = 11;
/** `setAccount` with no usable site id (warn): the argument. */
export const BAD_SITE = 12;
/** `setDomain` with nothing usable for this page's host (warn): the argument. */
export const BAD_DOMAIN = 13;
/** The outbox dropped its oldest events to stay within its caps (warn): how many. */
export const OUTBOX_FULL = 14;
/** A batch is sent (log): its events. */
export const SENDING = 15;
/** A batch will be sent again (log): the status (0: network error), the delay in ms. */
export const RETRYING = 16;
/** The collector refused a batch for good (warn): the status. */
export const REFUSED = 17;
/** The library could not boot (warn): the error. */
export const BOOT_FAILED = 18;
/** Free text from the extension module (log): its values as they are. */
export const LOG = 19;
/** Free text from the extension module (warn): its values as they are. */
export const WARN = 20;
/** `setUrlScrub` with neither an array of names nor false (warn): the argument. */
export const BAD_URL_SCRUB = 21;
