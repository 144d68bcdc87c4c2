/** Compile-time test of the ESM API as a bundler user imports it (see global-queue.ts). */
import { rejoiner, type RejoinerCommand } from 'rejoiner-v4';

rejoiner(['setAccount', 'shop-1'], ['trackHistory', true]);
rejoiner(['trackProductView', { product_id: 'SKU-1', price: '19.99' }]);
const later: RejoinerCommand = ['setConsent', true];
rejoiner(later);
// Importing the package declares the global queue too.
_rejoiner.push(['clearCartData']);

// @ts-expect-error: trackProductView needs a product_id
rejoiner(['trackProductView', { name: 'no id' }]);
// @ts-expect-error: not a command
rejoiner(['track', {}]);
