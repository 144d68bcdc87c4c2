/**
 * Compile-time test of the global `_rejoiner` declaration: each `@ts-expect-error` line must be
 * an error, and every other line must compile (`tsc -p test/types`, run by `npm test`).
 */
import type {} from 'rejoiner-v4/global';

_rejoiner.push(['setAccount', 'shop-1'], ['setDomain', '.shop.example']);
_rejoiner.push(['setCartItem', { product_id: 'SKU-1', name: 'Tee', price: 1999, item_qty: 2, category: 'shirts' }]);
_rejoiner.push(['setCartData', { cart_value: '79.96', cart_item_count: 4, return_url: 'https://shop.example/cart' }]);
_rejoiner.push(['removeCartItem', { product_id: 42 }]);
_rejoiner.push(['sendConversion'], ['sendConversion', { campaign_type: 'abandonment', cart_data: { cart_value: 100 } }]);
_rejoiner.push(['setCustomerEmail', 'shopper@shop.example'], ['setCustomerEmail', { email: 'shopper@shop.example' }]);
_rejoiner.push(['trackHistory', true], ['trackHistory', { hash: true }], ['bridgeDataLayer', { name: 'shopLayer' }]);
_rejoiner.push(['requireConsent'], ['respectGPC', true], ['setConsent', false]);
window._rejoiner.push(['addPageView', { url: '/cart' }]);

// @ts-expect-error: a misspelt command
_rejoiner.push(['setCartItme', { product_id: 'SKU-1' }]);
// @ts-expect-error: setCartItem needs a product_id
_rejoiner.push(['setCartItem', { price: 1999 }]);
// @ts-expect-error: addPageView takes {url}
_rejoiner.push(['addPageView', '/cart']);
// @ts-expect-error: setConsent takes a boolean
_rejoiner.push(['setConsent', 'yes']);
// @ts-expect-error: campaign_type is abandonment or conversion
_rejoiner.push(['sendConversion', { campaign_type: 'welcome' }]);
// @ts-expect-error: trackHistory takes true or {hash}
_rejoiner.push(['trackHistory', { hash: 'yes' }]);
// @ts-expect-error: a command is a tuple, not its name
_rejoiner.push('clearCartData');
