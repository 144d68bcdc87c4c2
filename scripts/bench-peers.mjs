#!/usr/bin/env node
/**
 * Side-by-side cost of dist/rejoiner.js and the trackers shops use, in one Chromium run.
 *
 *   npx rollup -c && node scripts/bench-peers.mjs [--runs 5]
 *
 * Installs the peers at run time into a temp folder (npm install --prefix <tmp> --no-save), serves
 * every script and every collector endpoint from one loopback node:http server, blocks any request
 * that is not for that server (nothing leaves the machine), and measures each tracker on the same
 * pages: one page view, then product views and cart events as the tracker's own calls. Every figure
 * is the median of --runs runs (at least 5). Temp files live under os.tmpdir() and are removed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, platform, release } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants as zc, gunzipSync, gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Math.max(1, Math.min(15, Number(opts.runs) || 5)); // default 5; fewer only for a quick check
const DEADLINE = Date.now() + 20 * 60_000; // the whole run stops by itself after 20 minutes
const QUEUED = 50; // commands pushed before the script loads
const CALLS = 1000; // per-call cost sample
const EVENTS = 100; // wire cost sample
const NAV_EVENTS = 20; // pushed in the same task as a navigation
const INPUTS = 5000; // form scanner page

const median = (a) => { const s = a.filter((x) => typeof x === 'number' && isFinite(x)).sort((x, y) => x - y); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN; };
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Peers: how a shop sets each one up (snippet/init), and the same work expressed in its own calls.
// `stub` runs before the script loads and defines window.__q(i) (queue one event) ; `ready` is a
// JS expression true once booted; `call(i)` is one tracked event (i = 0: page view handled by boot).
// ---------------------------------------------------------------------------------------------
const MARK = 'bmk'; // every benchmark event carries `${MARK}-<i>-` in a property, counted at the collector
const PEERS = [
  {
    id: 'ours', name: 'rejoiner (ours)', pkg: null, file: join(ROOT, 'dist/rejoiner.js'), url: '/dist/rejoiner.js',
    head: (u) => `<script>
var _rejoiner = _rejoiner || [];
_rejoiner.push(['setAccount', 'bench']);
_rejoiner.push(['setDomain', '']);
(function() { var s = document.createElement('script'); s.type = 'text/javascript'; s.async = true;
  s.src = '${u}'; var x = document.getElementsByTagName('script')[0]; x.parentNode.insertBefore(s, x); })();
window.__ev = function (i) { var m = '${MARK}-' + i + '-';
  if (i % 2) _rejoiner.push(['trackProductView', {product_id: 'SKU-' + i, name: m, category: ['tv'], price: 29999, product_url: 'https://shop.example/p/' + i}]);
  else _rejoiner.push(['setCartItem', {product_id: 'SKU-' + i, name: m, price: 29999, item_qty: 1, qty_price: 29999}]); };
</script>`,
    ready: `!!window._rejoinerDispatch`,
  },
  {
    id: 'segment', name: 'Segment analytics-next', pkg: '@segment/analytics-next', path: 'dist/umd/standalone.js', url: '/peer/segment/standalone.js',
    // The analytics.js snippet's stub (methods queue into the array), _cdn pointed at the local server.
    head: (u, origin) => `<script>
!function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)return;else{analytics.invoked=!0;
analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];
analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);n.unshift(e);analytics.push(n);return analytics}};
for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}
analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src="${u}";
var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};
analytics._writeKey="benchkey";analytics._cdn="${origin}";analytics.SNIPPET_VERSION="5.2.0";
analytics.load("benchkey");analytics.page()}}();
window.__ev = function (i) { var m = '${MARK}-' + i + '-';
  if (i % 2) analytics.track('Product Viewed', {product_id: 'SKU-' + i, name: m, category: 'tv', price: 299.99, url: 'https://shop.example/p/' + i});
  else analytics.track('Product Added', {product_id: 'SKU-' + i, name: m, price: 299.99, quantity: 1}); };
</script>`,
    ready: `!!(window.analytics && window.analytics.initialized)`,
  },
  {
    id: 'snowplow', name: 'Snowplow browser-tracker', pkg: '@snowplow/browser-tracker', path: 'dist/index.umd.min.js', url: '/peer/snowplow/index.umd.min.js',
    // The npm UMD build has no command queue (sp.js, which has one, is not on the registry): a
    // 3-line array shim holds the calls and replays them on load, like the sp.js tag would.
    head: (u, origin) => `<script>
window.__spq = [];
window.__ev = function (i) { var m = '${MARK}-' + i + '-';
  var a = i % 2 ? ['trackStructEvent', {category: 'ecommerce', action: 'product_view', label: m, property: 'SKU-' + i, value: 299.99}]
                : ['trackStructEvent', {category: 'ecommerce', action: 'add_to_cart', label: m, property: 'SKU-' + i, value: 299.99}];
  if (window.__spReady) snowplowBrowserTracking[a[0]](a[1]); else __spq.push(a); };
(function(){ var s = document.createElement('script'); s.async = true; s.src = '${u}';
  s.onload = function () { var t = snowplowBrowserTracking;
    t.newTracker('sp', '${origin}', {appId: 'bench', eventMethod: 'post', platform: 'web'});
    t.trackPageView(); for (var k = 0; k < __spq.length; k++) t[__spq[k][0]](__spq[k][1]); __spq = []; window.__spReady = true; };
  document.head.appendChild(s); })();
</script>`,
    ready: `!!window.__spReady`,
  },
  {
    id: 'posthog', name: 'PostHog posthog-js', pkg: 'posthog-js', path: 'dist/array.js', url: '/static/array.js',
    // PostHog's web snippet, unchanged but for api_host (it loads {api_host}/static/array.js).
    head: (u, origin) => `<script>
!function(t,e){var o,n,p,r;e.__SV||(window.posthog=e,e._i=[],e.init=function(i,s,a){function g(t,e){var o=e.split(".");2==o.length&&(t=t[o[0]],e=o[1]),t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}}(p=t.createElement("script")).type="text/javascript",p.crossOrigin="anonymous",p.async=!0,p.src=s.api_host+"/static/array.js",(r=t.getElementsByTagName("script")[0]).parentNode.insertBefore(p,r);var u=e;for(void 0!==a?u=e[a]=[]:a="posthog",u.people=u.people||[],u.toString=function(t){var e="posthog";return"posthog"!==a&&(e+="."+a),t||(e+=" (stub)"),e},u.people.toString=function(){return u.toString(1)+".people (stub)"},o="capture identify alias people.set people.set_once set_config register register_once unregister opt_out_capturing has_opted_out_capturing opt_in_capturing reset isFeatureEnabled onFeatureFlags getFeatureFlag getFeatureFlagPayload reloadFeatureFlags group updateEarlyAccessFeatureEnrollment getEarlyAccessFeatures getActiveMatchingSurveys getSurveys onSessionId".split(" "),n=0;n<o.length;n++)g(u,o[n]);e._i.push([i,s,a])},e.__SV=1)}(document,window.posthog||[]);
posthog.init('phc_bench', {api_host: '${origin}', person_profiles: 'identified_only', disable_session_recording: true, disable_surveys: true, opt_out_useragent_filter: true});
window.__ev = function (i) { var m = '${MARK}-' + i + '-';
  if (i % 2) posthog.capture('Product Viewed', {product_id: 'SKU-' + i, name: m, category: 'tv', price: 299.99});
  else posthog.capture('Product Added', {product_id: 'SKU-' + i, name: m, price: 299.99, quantity: 1}); };
</script>`,
    ready: `!!(window.posthog && window.posthog.__loaded)`,
  },
  {
    id: 'rudder', name: 'RudderStack analytics-js', pkg: '@rudderstack/analytics-js', path: 'dist/npm/modern/umd/index.js', url: '/peer/rudder/index.js',
    // The npm UMD build exports a class, no queue: a shim holds calls until load, as for Snowplow.
    head: (u, origin) => `<script>
window.__rq = [];
window.__ev = function (i) { var m = '${MARK}-' + i + '-';
  var a = i % 2 ? ['Product Viewed', {product_id: 'SKU-' + i, name: m, category: 'tv', price: 299.99}]
                : ['Product Added', {product_id: 'SKU-' + i, name: m, price: 299.99, quantity: 1}];
  if (window.__ra) __ra.track(a[0], a[1]); else __rq.push(a); };
(function(){ var s = document.createElement('script'); s.async = true; s.src = '${u}';
  s.onload = function () { var ra = new rudderanalytics.RudderAnalytics();
    ra.load('benchkey', '${origin}', {configUrl: '${origin}/rs', destSDKBaseURL: '${origin}/rs/dest', pluginsSDKBaseURL: '${origin}/rs/plugins', logLevel: 'NONE'});
    ra.page(); for (var k = 0; k < __rq.length; k++) ra.track(__rq[k][0], __rq[k][1]); __rq = []; window.__ra = ra;
    ra.ready(function () { window.__raReady = true; }); };
  document.head.appendChild(s); })();
</script>`,
    ready: `!!window.__raReady`,
  },
  {
    id: 'plausible', name: 'Plausible tracker', pkg: '@plausible-analytics/tracker', path: 'plausible.js', url: '/peer/plausible/plausible.js',
    // ESM package: init() as its README shows; calls before load go to a shim queue.
    head: (u, origin) => `<script>
window.__pq = [];
window.__ev = function (i) { var m = '${MARK}-' + i + '-';
  var a = i % 2 ? ['Product Viewed', {props: {product_id: 'SKU-' + i, name: m}}] : ['Product Added', {props: {product_id: 'SKU-' + i, name: m}}];
  if (window.__pt) __pt(a[0], a[1]); else __pq.push(a); };
</script>
<script type="module">
import { init, track } from '${u}';
init({ domain: 'shop.example', endpoint: '${origin}/api/event', logging: false, captureOnLocalhost: true });
for (const a of window.__pq) track(a[0], a[1]); window.__pq = []; window.__pt = track;
</script>`,
    ready: `!!window.__pt`,
  },
];

// ---------------------------------------------------------------------------------------------
// Install the peers at run time, into a temp folder.
// ---------------------------------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'bench-peers-'));
let server, browser;
async function cleanup() {
  try { await browser?.close(); } catch {}
  try { server?.close(); } catch {}
  rmSync(tmp, { recursive: true, force: true });
}
const hardStop = setTimeout(async () => { console.error('time limit reached, stopping'); await cleanup(); process.exit(2); }, DEADLINE - Date.now() + 60_000);
hardStop.unref();

if (!existsSync(join(ROOT, 'dist/rejoiner.js'))) { console.error('dist/rejoiner.js missing: run npx rollup -c first'); process.exit(1); }
const wanted = PEERS.filter((p) => p.pkg).map((p) => p.pkg);
try {
  console.error(`installing ${wanted.join(', ')} into ${tmp} ...`);
  execFileSync('npm', ['install', '--prefix', tmp, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...wanted], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 240_000 });
} catch (e) {
  console.error(`npm install failed as a whole (${e.message.split('\n')[0]}); trying one by one`);
  for (const pkg of wanted) {
    try { execFileSync('npm', ['install', '--prefix', tmp, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', pkg], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 }); } catch {}
  }
}
for (const p of PEERS) {
  if (!p.pkg) continue;
  const dir = join(tmp, 'node_modules', p.pkg);
  if (!existsSync(dir)) { p.na = 'not installable'; continue; }
  p.dir = dir;
  p.version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  p.file = join(dir, p.path);
  if (!existsSync(p.file)) p.na = `${p.path} not in package`;
}
const ourVersion = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
PEERS[0].version = ourVersion;

// ---------------------------------------------------------------------------------------------
// One loopback server: pages, scripts, and every collector endpoint. Counts requests and events.
// ---------------------------------------------------------------------------------------------
let current = PEERS[0];
let log = []; // {path, bytes, marks: Set}
function decodeBody(buf, url) {
  let text = buf;
  try { if (buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b) text = gunzipSync(buf); } catch {}
  text = text.toString('utf8');
  if (/compression=base64/.test(url) || /^data=/.test(text)) {
    try { const d = decodeURIComponent(text.replace(/^data=/, '')); text += Buffer.from(d, 'base64').toString('utf8'); } catch {}
  }
  return text;
}
const SEG_SETTINGS = (origin) => JSON.stringify({
  integrations: { 'Segment.io': { apiKey: 'benchkey', apiHost: origin.replace(/^https?:\/\//, '') + '/seg/v1', protocol: 'http' } },
  plan: { track: { __default: { enabled: true } }, identify: { __default: { enabled: true } } },
  edgeFunction: {}, analyticsNextEnabled: true, middlewareSettings: {}, enabledMiddleware: {}, metrics: { sampleRate: 0 }, legacyVideoPluginsEnabled: false, remotePlugins: [],
});
const RS_CONFIG = JSON.stringify({ isHosted: false, source: { id: 'src', name: 'bench', writeKey: 'benchkey', workspaceId: 'ws', enabled: true, config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } }, destinations: [] } });
const pages = new Map();

function serve(req, res) {
  const url = new URL(req.url, 'http://x');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const cors = { 'access-control-allow-origin': req.headers.origin || '*', 'access-control-allow-credentials': 'true', 'access-control-allow-headers': req.headers['access-control-request-headers'] || '*', 'access-control-allow-methods': 'GET,POST,OPTIONS' };
    const send = (status, type, data, extra = {}) => { res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...cors, ...extra }); res.end(data); };
    if (req.method === 'OPTIONS') return send(204, 'text/plain', '');
    const p = url.pathname;
    if (pages.has(p)) return send(200, 'text/html; charset=utf-8', pages.get(p)(url));
    // scripts
    for (const peer of PEERS) if (peer.file && p === peer.url) return send(200, 'text/javascript', readFileSync(peer.file));
    if (p.startsWith('/analytics-next/bundles/')) { // Segment's lazily loaded chunks
      const f = normalize(join(PEERS[1].dir || '/nonexistent', 'dist/umd', p.slice('/analytics-next/bundles/'.length)));
      if (f.startsWith(join(PEERS[1].dir || '/nonexistent', 'dist/umd')) && existsSync(f)) return send(200, 'text/javascript', readFileSync(f));
      return send(404, 'text/plain', '');
    }
    if (p.startsWith('/static/')) { // PostHog's lazily loaded extensions
      const f = normalize(join(PEERS[3].dir || '/nonexistent', 'dist', p.slice('/static/'.length)));
      if (f.startsWith(join(PEERS[3].dir || '/nonexistent', 'dist')) && existsSync(f)) return send(200, 'text/javascript', readFileSync(f));
      return send(404, 'text/plain', '');
    }
    // settings / config endpoints (not counted as wire cost of events)
    if (/^\/v1\/projects\/[^/]+\/settings/.test(p)) return send(200, 'application/json', SEG_SETTINGS(`http://${req.headers.host}`));
    if (p.startsWith('/rs/sourceConfig')) return send(200, 'application/json', RS_CONFIG);
    if (p.startsWith('/rs/')) return send(404, 'text/plain', '');
    if (p.startsWith('/array/') || p.startsWith('/decide') || p.startsWith('/flags')) return send(200, 'application/json', p.endsWith('.js') ? '' : JSON.stringify({ featureFlags: {}, sessionRecording: false, supportedCompression: ['gzip-js'], flags: {} }));
    if (p === '/blank') return send(200, 'text/html', '<!doctype html><title>blank</title>');
    if (p === '/favicon.ico') return send(404, 'text/plain', '');
    // anything else with a body is a collector hit: ours /v4/bench, Segment /seg/v1/*, Snowplow
    // /com.snowplowanalytics.snowplow/tp2, PostHog /e/ /i/v0/e/ /batch/, Rudder /v1/*, Plausible /api/event
    const text = decodeBody(body, req.url);
    const marks = new Set(text.match(new RegExp(`${MARK}-\\d+-`, 'g')) || []);
    log.push({ path: p, bytes: body.length + Buffer.byteLength(url.search), marks, t: Date.now() });
    if (p.startsWith('/v4/')) {
      let n = 0; try { n = JSON.parse(text).events.length; } catch {}
      return send(200, 'application/json', JSON.stringify({ accepted: n, duplicates: 0, rejected: [] }));
    }
    if (p === '/api/event') return send(202, 'text/plain', 'ok');
    return send(200, 'application/json', '{"status":1}');
  });
}
server = createServer(serve);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;

const pageHtml = (peer, body = '', queued = QUEUED) => `<!doctype html><html><head><meta charset="utf-8"><title>bench</title>
<script>window.__lt = []; try { new PerformanceObserver(function (l) { l.getEntries().forEach(function (e) { __lt.push(e.duration); }); }).observe({type: 'longtask', buffered: true}); } catch (e) {}</script>
${peer ? peer.head(peer.url, ORIGIN) : '<script>window.__ev = function () {};</script>'}
<script>for (var i = 1; i <= ${queued}; i++) __ev(i + 100000);</script>
</head><body><h1>Product page</h1>${body}</body></html>`;
pages.set('/page', (u) => { const peer = PEERS.find((p) => p.id === u.searchParams.get('peer')); return pageHtml(peer, '', Number(u.searchParams.get('q') ?? QUEUED)); });
const FORM = (() => { let h = '<form id="big">'; for (let i = 0; i < INPUTS - 1; i++) h += `<input type="text" name="field${i}">`; return h + '<input type="email" id="em" name="email"></form>'; })();
pages.set('/form', (u) => pageHtml(u.searchParams.get('peer') === 'ours' ? PEERS[0] : null, FORM, 0));

// ---------------------------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------------------------
browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update'] });
let blocked = 0;
async function newPage() {
  const context = await browser.newContext();
  // Nothing may leave the machine: any request not for the local server is answered locally.
  await context.route((u) => !u.href.startsWith(ORIGIN) && !u.href.startsWith('data:') && !u.href.startsWith('blob:'), (route) => { blocked++; route.fulfill({ status: 204, body: '' }); });
  // PostHog and Plausible drop events from automated browsers (navigator.webdriver): report a normal browser.
  await context.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false }); });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  return { context, page, cdp };
}
const metrics = async (cdp) => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
async function waitReady(page, peer, ms = 5000) {
  if (!peer) return true;
  try { await page.waitForFunction(peer.ready, null, { timeout: ms, polling: 50 }); return true; } catch { return false; }
}
const settle = (page, ms) => page.evaluate((ms) => new Promise((r) => setTimeout(r, ms)), ms);

/** Boot: ScriptDuration/TaskDuration from a blank page to booted + 1 s idle (includes inline snippet + 50 queued commands). */
async function boot(peer) {
  const { context, page, cdp } = await newPage();
  try {
    await page.goto(`${ORIGIN}/blank`);
    const m0 = await metrics(cdp);
    await page.goto(`${ORIGIN}/page?peer=${peer ? peer.id : 'none'}`);
    const ok = await waitReady(page, peer);
    await settle(page, 1000);
    const m1 = await metrics(cdp);
    const lt = await page.evaluate(() => window.__lt.slice());
    return { ok, script: (m1.ScriptDuration - m0.ScriptDuration) * 1000, task: (m1.TaskDuration - m0.TaskDuration) * 1000, lt };
  } finally { await context.close(); }
}
/** Per-call: 1,000 calls, performance.now() around each. */
async function perCall(peer) {
  const { context, page } = await newPage();
  try {
    await page.goto(`${ORIGIN}/page?peer=${peer.id}`);
    if (!(await waitReady(page, peer))) return null;
    await settle(page, 500);
    const r = await page.evaluate(async (n) => {
      const t = [];
      for (let k = 0; k < n; k += 50) { // 50 calls per task, then yield, as a page would spread them
        for (let i = k; i < k + 50; i++) { const a = performance.now(); __ev(200000 + i); t.push(performance.now() - a); }
        await new Promise((r) => setTimeout(r, 0));
      }
      await new Promise((r) => setTimeout(r, 1500));
      return { t, lt: window.__lt.slice() };
    }, CALLS);
    return r;
  } finally { await context.close(); }
}
/** Wire: 100 events on one page (10 tasks of 10, 50 ms apart), 3 s to send, then leave the page. */
async function wire(peer) {
  const { context, page } = await newPage();
  try {
    await page.goto(`${ORIGIN}/page?peer=${peer.id}&q=0`);
    if (!(await waitReady(page, peer))) return null;
    await settle(page, 1500);
    log = [];
    await page.evaluate(async (n) => { for (let k = 0; k < n; k += 10) { for (let i = k; i < k + 10; i++) __ev(i); await new Promise((r) => setTimeout(r, 50)); } }, EVENTS);
    await sleep(2500);
    const during = log; log = [];
    await page.goto(`${ORIGIN}/blank`);
    await sleep(1500);
    const leave = log; log = [];
    const sum = (l) => ({ req: l.length, bytes: l.reduce((s, e) => s + e.bytes, 0), ev: new Set(l.flatMap((e) => [...e.marks])).size });
    return { during: sum(during), leave: sum(leave) };
  } finally { await context.close(); }
}
/** Navigation: 20 events pushed in the same task as location.href = ...; events that arrive. */
async function nav(peer) {
  const { context, page } = await newPage();
  try {
    await page.goto(`${ORIGIN}/page?peer=${peer.id}&q=0`);
    if (!(await waitReady(page, peer))) return null;
    await settle(page, 1500);
    log = [];
    await Promise.all([
      page.waitForURL(`${ORIGIN}/blank`, { timeout: 10000 }),
      page.evaluate((n) => { setTimeout(() => { for (let i = 0; i < n; i++) __ev(i); location.href = '/blank'; }, 0); }, NAV_EVENTS),
    ]);
    await sleep(2000);
    const got = new Set(log.flatMap((e) => [...e.marks])).size;
    log = [];
    return got;
  } finally { await context.close(); }
}
/** Ours only: form scanner on 5,000 inputs. */
async function formScan(withTracker) {
  const { context, page, cdp } = await newPage();
  try {
    await page.goto(`${ORIGIN}/blank`);
    const m0 = await metrics(cdp);
    await page.goto(`${ORIGIN}/form?peer=${withTracker ? 'ours' : 'none'}`);
    if (withTracker) await waitReady(page, PEERS[0]);
    await settle(page, 2000);
    const m1 = await metrics(cdp);
    let blur = null;
    if (withTracker) {
      blur = await page.evaluate(() => {
        const el = document.getElementById('em'); el.focus(); el.value = 'jane.doe@example.com';
        const a = performance.now();
        el.dispatchEvent(new FocusEvent('blur')); el.dispatchEvent(new FocusEvent('focusout', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
        return performance.now() - a;
      });
    }
    return { script: (m1.ScriptDuration - m0.ScriptDuration) * 1000, blur };
  } finally { await context.close(); }
}

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------
const results = new Map();
const baseline = [];
try {
  for (let r = 0; r < RUNS; r++) baseline.push((await boot(null)).script);
  for (const peer of PEERS) {
    if (peer.na) continue;
    const R = { boot: [], task: [], calls: [], p50: [], p95: [], lt: [], wire: [], nav: [], fails: 0 };
    for (let r = 0; r < RUNS && Date.now() < DEADLINE; r++) {
      process.stderr.write(`${peer.id} run ${r + 1}/${RUNS}\r`);
      const b = await boot(peer);
      if (!b.ok) { R.fails++; continue; }
      R.boot.push(b.script - median(baseline)); R.task.push(b.task);
      const c = await perCall(peer);
      if (c) { R.p50.push(median(c.t)); R.p95.push(pct(c.t, 95)); R.lt.push(b.lt.length + c.lt.length); R.ltMax = Math.max(R.ltMax || 0, ...b.lt, ...c.lt); }
      const w = await wire(peer); if (w) R.wire.push(w);
      const n = await nav(peer); if (n !== null) R.nav.push(n);
    }
    if (!R.boot.length) peer.na = `did not boot (ready check failed ${R.fails}x)`;
    results.set(peer.id, R);
  }
  var form = { boot: [], base: [], blur: [] };
  for (let r = 0; r < RUNS && Date.now() < DEADLINE; r++) {
    const a = await formScan(false), b = await formScan(true);
    form.base.push(a.script); form.boot.push(b.script); form.blur.push(b.blur);
  }
} catch (e) {
  console.error('benchmark error:', e);
}
const version = browser.version();

// ---------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------
const f1 = (x) => (isFinite(x) ? x.toFixed(1) : 'n/a');
const f3 = (x) => (isFinite(x) ? x.toFixed(3) : 'n/a');
const kb = (x) => (isFinite(x) ? (x / 1024).toFixed(1) + ' KB' : 'n/a');
const ratio = (o, p) => (isFinite(o) && isFinite(p) && p > 0 && o > 0 ? (o / p).toFixed(2) + 'x' : '-');
const sizes = (file) => { const b = readFileSync(file); return { raw: b.length, gz: gzipSync(b, { level: 9 }).length, br: brotliCompressSync(b, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: b.length } }).length }; };
const ours = {};
const rows = [];
for (const peer of PEERS) {
  const row = { peer: `${peer.name} ${peer.version || ''}`.trim() };
  if (peer.na) { row.na = `n/a (${peer.na})`; rows.push(row); continue; }
  const R = results.get(peer.id) || {};
  const s = sizes(peer.file);
  const m = (k) => median((R.wire || []).map((w) => k(w)));
  Object.assign(row, {
    raw: s.raw, gz: s.gz, br: s.br,
    boot: median(R.boot || []), task: median(R.task || []),
    p50: median(R.p50 || []), p95: median(R.p95 || []),
    lt: median(R.lt || []), ltMax: R.ltMax || 0,
    req: m((w) => w.during.req), bytes: m((w) => w.during.bytes), ev: m((w) => w.during.ev),
    lreq: m((w) => w.leave.req), lbytes: m((w) => w.leave.bytes), lev: m((w) => w.leave.ev),
    nav: median(R.nav || []),
  });
  if (peer.id === 'ours') Object.assign(ours, row);
  rows.push(row);
}
const notes = {
  ours: 'batches (1 s / 20 events), fetch keepalive; sendBeacon at leave',
  segment: 'default snippet: one request per event; script size = first chunk only (more chunks load lazily, counted in boot)',
  snowplow: 'npm UMD has no queue (shim used); POST per event by default (bufferSize 1)',
  posthog: 'defaults minus session recording and surveys; batches ~3 s, gzip bodies',
  rudder: 'npm UMD has no queue (shim used); no destinations; if 0 req: no event request was seen from this build here (cause not established)',
  plausible: 'one request per event, no batching or retry; ESM module',
};
const out = [];
out.push(`bench-peers  ${new Date().toISOString()}  |  ${cpus()[0]?.model} x${cpus().length}  |  ${platform()} ${release()}  |  Chromium ${version}  |  node ${process.version}  |  median of ${RUNS} runs`);
out.push('');
const cols = [
  ['tracker', (r) => r.peer],
  ['raw', (r) => kb(r.raw)], ['gzip-9', (r) => kb(r.gz)], ['brotli', (r) => kb(r.br)], ['gz ours/peer', (r) => ratio(ours.gz, r.gz)],
  ['boot ms', (r) => f1(r.boot)], ['ours/peer', (r) => ratio(ours.boot, r.boot)],
  ['call p50 ms', (r) => f3(r.p50)], ['call p95 ms', (r) => f3(r.p95)], ['p50 ours/peer', (r) => ratio(ours.p50, r.p50)],
  [`${EVENTS} ev: req`, (r) => String(r.req)], ['bytes', (r) => kb(r.bytes)], ['ev seen', (r) => String(r.ev)], ['bytes ours/peer', (r) => ratio(ours.bytes, r.bytes)],
  ['leave: req', (r) => String(r.lreq)], ['leave bytes', (r) => kb(r.lbytes)],
  ['longtasks', (r) => `${r.lt} (max ${f1(r.ltMax)})`],
  [`nav ${NAV_EVENTS}`, (r) => `${r.nav}/${NAV_EVENTS}`],
];
const table = rows.map((r) => (r.na ? [r.peer, r.na] : cols.map(([, f]) => f(r))));
const widths = cols.map(([h], i) => Math.max(h.length, ...table.filter((t) => t.length === cols.length).map((t) => t[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
out.push(line(cols.map(([h]) => h)));
out.push('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const t of table) out.push(t.length > 1 && t.length === cols.length ? line(t) : `| ${t[0]} | ${t[1]}`);
out.push('');
out.push('notes:');
for (const peer of PEERS) out.push(`  ${peer.id}: ${peer.na ? `n/a (${peer.na})` : notes[peer.id]}`);
out.push(`  boot = CDP Performance.getMetrics ScriptDuration delta (blank page -> booted + 1 s idle, 50 queued events) minus an empty page with the same inline code (${f1(median(baseline))} ms)`);
out.push(`  call = performance.now() around one call, ${CALLS} calls in tasks of 50; wire = ${EVENTS} events on one page, 2.5 s, then navigation away (leave = requests after it)`);
out.push(`  ev seen = distinct benchmark events found in collector bodies; nav = events pushed in the same task as location.href that reached the collector within 2 s`);
out.push(`  requests for non-local hosts answered locally: ${blocked}`);
if (form) {
  out.push('');
  out.push(`ours only, form scanner on a page with ${INPUTS} inputs: boot ScriptDuration ${f1(median(form.boot) - median(form.base))} ms over the same page without the tracker (${f1(median(form.base))} ms); one blur+focusout+change on the email field ${f3(median(form.blur))} ms (median of ${form.blur.length})`);
}
console.log(out.join('\n'));
await cleanup();
process.exit(0);
