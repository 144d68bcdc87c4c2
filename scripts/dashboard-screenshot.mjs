/**
 * Draws docs/dashboard.png: the dashboard of a demo shop at 1280 px wide, in Debian's Chromium.
 * A real collector (temporary SQLite file) receives two weeks of beacons; its lifecycle detector
 * and webhook sender run with a moved clock against a receiver on loopback that refuses one
 * customer's webhooks (500), so the picture holds abandoned carts, recoveries and a dead letter.
 *
 *   node --import tsx scripts/dashboard-screenshot.mjs [out.png]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { startCollector } from '../src/collector/collector.ts';

const out = process.argv[2] ?? 'docs/dashboard.png';
const DAY = 24 * 3600_000;
const TOKEN = 'demo-dashboard-token-0123456789';

// The merchant's receiver: refuses the webhooks about one customer, takes every other.
const received = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    received.push(JSON.parse(body));
    res.writeHead(body.includes('noah@') ? 500 : 200, { 'content-type': 'text/plain' }).end('ok');
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));

const dir = mkdtempSync(join(tmpdir(), 'dashboard-shot-'));
const site = {
  id: 'demo',
  origins: ['https://shop.example'],
  key: 'demo-key',
  secret: 'demo-secret',
  token: TOKEN,
  timezone: 'Europe/Paris',
  currency: 'EUR',
  // 1.2 s: carts are abandoned within the script's run.
  abandonment_minutes: 0.02,
  // Abandonments only: two weeks of order_converted webhooks would push them off the picture.
  webhooks: [{ url: `http://127.0.0.1:${receiver.address().port}/hooks/rejoiner`, secret: 'whsec-demo', events: ['cart_abandoned', 'browse_abandoned'] }],
};
const collector = await startCollector({ port: 0, host: '127.0.0.1', db: join(dir, 'collector.db'), sites: [site], automation: { intervalMs: 0 } });
let clock = 0;
const tick = (at = Date.now()) => collector.automation.tick((clock = Math.max(clock, at)));
const idle = () => new Promise((resolve) => setTimeout(resolve, 1500));

let seq = 0;
async function post(events) {
  const response = await fetch(`${collector.url}/v4/demo`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: site.origins[0] },
    body: JSON.stringify({ v: 4, lib: '1.0.0', site: 'demo', sent_at: Date.now(), events }),
  });
  if (response.status != 200) throw new Error(`beacon: ${response.status} ${await response.text()}`);
}
const PRODUCTS = [
  ['LAMP-1', 'Brass desk lamp', 8900],
  ['MUG-2', 'Stoneware mug', 1850],
  ['KETTLE-3', 'Enamel kettle', 5400],
  ['RUG-4', 'Wool rug', 21900],
  ['VASE-5', 'Glass vase', 3200],
];
/** A shopper's events: views, a cart of `lines` products, maybe an email; `ts` on the shopper's clock. */
function shopper(name, { lines = 2, email = true, ts = Date.now() } = {}) {
  const event = (type, data, order = null) => ({
    id: `${name}-${++seq}`, seq, type, ts, visitor: `${name}-v`, session: `${name}-s`, order, url: 'https://shop.example/cart', data,
  });
  const items = PRODUCTS.slice(seq % 3, (seq % 3) + lines);
  const value = items.reduce((sum, [, , price]) => sum + price, 0);
  const events = [
    ...items.map(([product_id, title, price]) => event('product_view', { product_id, name: title, price })),
    ...items.map(([product_id, title, price]) => event('cart_item', { product_id, name: title, price, item_qty: 1 }, `${name}-order`)),
    event('cart_data', { cart_value: value, cart_item_count: items.length }, `${name}-order`),
  ];
  if (email) events.push(event('customer_email', { email: `${name}@mail.example`, source: 'form' }, `${name}-order`));
  return { events, event, convert: (extra = {}) => event('conversion', { cart_data: { cart_value: value }, ...extra }, `${name}-order`) };
}

// Two weeks of plain conversions, on the shopper's clock.
for (let day = 13; day >= 0; day--) {
  for (let n = 0; n < 1 + ((day * 7) % 4); n++) {
    const buyer = shopper(`buyer-${day}-${n}`, { lines: 1 + (n % 3), email: n % 2 == 0, ts: Date.now() - day * DAY - n * 3600_000 });
    await post([...buyer.events, buyer.convert()]);
  }
}
await idle();
await tick();
// The receiver refuses Noah's webhook until its 24 h horizon: a dead letter.
const noah = shopper('noah', { lines: 3 });
await post(noah.events);
await idle();
await tick();
// Abandoned carts, two of them later recovered (one after a click on the webhook's link), a browse.
const shoppers = ['ada', 'ben', 'chloe', 'dan', 'eva'].map((name, i) => [name, shopper(name, { lines: 1 + (i % 3) })]);
for (const [, s] of shoppers) await post(s.events);
await post([{ id: `fay-${++seq}`, seq, type: 'product_view', ts: Date.now(), visitor: 'fay-v', session: 'fay-s', order: null, url: 'https://shop.example/p', data: { product_id: 'RUG-4', name: 'Wool rug', price: 21900 } }]);
await idle();
await tick();
const [, ada] = shoppers[0];
const [, ben] = shoppers[1];
// Ada follows the link of her cart_abandoned webhook, then buys; Ben comes back by himself.
const link = received.find((hook) => hook.type == 'cart_abandoned' && hook.data.customer.email == 'ada@mail.example').data.return_url;
await post([ada.event('click_back', { token: new URL(link).searchParams.get('_rjt') }), ada.convert({ campaign_type: 'abandonment' })]);
await post([ben.convert()]);
await tick();
await tick(Date.now() + DAY - 10_000);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
await page.goto(`${collector.url}/inspector/login`);
await page.fill('#token', TOKEN);
await page.click('button[type=submit]');
await page.waitForSelector('#webhooks tbody tr.delivery-dead');
// The live tables of every site are below: folded, so the picture ends with the webhooks.
await page.evaluate(() => document.getElementById('live').removeAttribute('open'));
await page.waitForTimeout(500);
await page.screenshot({ path: out, fullPage: true });
console.log(`wrote ${out}`);

await browser.close();
await collector.close();
receiver.close();
rmSync(dir, { recursive: true, force: true });
