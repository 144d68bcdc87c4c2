// The demo's ESM app. In a real app this is `import { rejoiner } from 'rejoiner-v4'` and a
// bundler resolves it; here the browser imports the built file that the collector serves.
import { rejoiner } from '/dist/rejoiner.mjs';

// The page's own origin is the collector in the demo; elsewhere add ['setEndpoint', 'https://...'].
rejoiner(['setAccount', 'demo'], ['trackHistory', true], ['bridgeDataLayer', true]);

const dataLayer = (window.dataLayer = window.dataLayer || []);
const tee = { item_id: 'TEE-1', item_name: 'Stan and Friends Tee', price: 19.99, quantity: 1, item_category: 'Apparel' };

function render(route) {
  document.getElementById('view').textContent = 'Route: ' + route;
  document.title = route[0].toUpperCase() + route.slice(1) + ' · ESM app';
  if (route == 'tees') dataLayer.push({ event: 'view_item', ecommerce: { currency: 'USD', value: 19.99, items: [tee] } });
}

document.querySelector('.tabs').addEventListener('click', (event) => {
  const route = event.target.getAttribute('data-route');
  if (!route) return;
  event.preventDefault();
  history.pushState({ route }, '', '/esm-app/?route=' + route);
  render(route);
});
addEventListener('popstate', () => render(new URLSearchParams(location.search).get('route') || 'home'));

document.getElementById('add').addEventListener('click', () => {
  dataLayer.push({ ecommerce: null });
  dataLayer.push({ event: 'add_to_cart', ecommerce: { currency: 'USD', value: 19.99, items: [tee] } });
});
document.getElementById('buy').addEventListener('click', () => {
  dataLayer.push({ ecommerce: null });
  dataLayer.push({
    event: 'purchase',
    ecommerce: { transaction_id: 'T-' + Date.now(), currency: 'USD', value: 19.99, items: [tee] },
  });
});

render(new URLSearchParams(location.search).get('route') || 'home');
