/**
 * The trackers compared, each set up as its docs tell a shop to: its snippet (or script tag) and
 * init, one page view, then product views and cart events as its own track calls.
 *
 * A peer is
 *   id, name, pkg (npm package, installed at run time; null for ours), path (file in the package),
 *   url (where the page loads it from the local server),
 *   head(url, origin)  the snippet + init, and `window.__ev(i)`: one tracked event, alternately a
 *                      product view and a cart event, carrying `${MARK}-<i>-` in a property;
 *   readyHook          JS run after the page's queued events, calling `__bench('ready')` once the
 *                      tracker says it is ready (trackers without a ready callback: '');
 *   needsReady         the boot window ends at the later of the script's load event and 'ready';
 *   prepare(pkgDir, tmp) optional: returns the file to serve (e.g. a minified build);
 *   serve(path, origin) optional: the peer's own server endpoints (settings, lazily loaded chunks,
 *                      config), answered locally: { type, body } or null;
 *   note               one line for the report: how it was set up and how it sends.
 *
 * `__bench(name)` (defined by the page, see server.mjs) puts a performance mark into the trace and
 * tells the harness by a console message, so readiness is seen without polling the page.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { MARK } from './common.mjs';

/** A file under `dir` named by a request path, or null (no escaping `dir`). */
const fileUnder = (dir, rel) => {
  if (!dir) return null;
  const f = normalize(join(dir, rel));
  return f.startsWith(dir + sep) && existsSync(f) ? f : null;
};
const js = (file) => (file ? { type: 'text/javascript', body: readFileSync(file) } : null);
const json = (value) => ({ type: 'application/json', body: JSON.stringify(value) });

/** Event properties shared by every peer: a product view (odd i) or a cart event (even i). */
const EV = `var m = '${MARK}-' + i + '-', sku = 'SKU-' + i;`;

/** Ours: the integration guide's async snippet, unchanged but for the script URL. */
export const OURS = {
  id: 'ours', name: 'rejoiner (ours)', pkg: null, url: '/dist/rejoiner.js',
  head: (u) => `<script>
var _rejoiner = _rejoiner || [];
_rejoiner.push(['setAccount', 'bench']);
_rejoiner.push(['setDomain', '']);
(function() { var s = document.createElement('script'); s.type = 'text/javascript'; s.async = true;
  s.src = '${u}'; var x = document.getElementsByTagName('script')[0]; x.parentNode.insertBefore(s, x); })();
window.__ev = function (i) { ${EV}
  if (i % 2) _rejoiner.push(['trackProductView', {product_id: sku, name: m, category: ['tv'], price: 29999, product_url: 'https://shop.example/p/' + i}]);
  else _rejoiner.push(['setCartItem', {product_id: sku, name: m, price: 29999, item_qty: 1, qty_price: 29999}]); };
</script>`,
  readyHook: '', // boot, replay and the page view all run while the script evaluates
  needsReady: false,
  note: 'async snippet; batches (1 s or 20 events) sent with fetch keepalive, sendBeacon at page hide; outbox in localStorage',
};

/** The control: our snippet with an empty script in place of the tracker (the page's own cost). */
export const CONTROL = { ...OURS, id: 'control', name: 'control (empty script)', url: '/empty.js', note: '' };

const SEGMENT = {
  id: 'segment', name: 'Segment analytics-next', pkg: '@segment/analytics-next', path: 'dist/umd/standalone.js',
  url: '/peer/segment/standalone.js',
  // The analytics.js snippet (v5.2), its CDN (`_cdn`) pointed at the local server: the script,
  // the project settings and the lazily loaded chunks all come from there.
  head: (u, origin) => `<script>
!function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;
analytics.methods=["trackSubmit","trackClick","trackLink","trackForm","pageview","identify","reset","group","track","ready","alias","debug","page","screen","once","off","on","addSourceMiddleware","addIntegrationMiddleware","setAnonymousId","addDestinationMiddleware","register"];
analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};
for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}
analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src="${u}";
var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};
analytics._writeKey="benchkey";analytics._cdn="${origin}";analytics.SNIPPET_VERSION="5.2.0";
analytics.load("benchkey");analytics.page()}}();
window.__ev = function (i) { ${EV}
  if (i % 2) analytics.track('Product Viewed', {product_id: sku, name: m, category: 'tv', price: 299.99, url: 'https://shop.example/p/' + i});
  else analytics.track('Product Added', {product_id: sku, name: m, price: 299.99, quantity: 1}); };
</script>`,
  readyHook: `analytics.ready(function () { __bench('ready'); });`,
  needsReady: true,
  serve(path, origin, peer) {
    if (path === this.url) return js(peer.file);
    if (path.startsWith('/analytics-next/bundles/')) return js(fileUnder(join(peer.dir, 'dist/umd'), path.slice(24)));
    // The project settings the CDN would serve: only the Segment.io destination, at the local server.
    if (/^\/v1\/projects\/[^/]+\/settings/.test(path)) return json({
      integrations: { 'Segment.io': { apiKey: 'benchkey', apiHost: origin.replace(/^https?:\/\//, '') + '/seg/v1', protocol: 'http' } },
      plan: { track: { __default: { enabled: true } }, identify: { __default: { enabled: true } } },
      edgeFunction: {}, analyticsNextEnabled: true, middlewareSettings: {}, enabledMiddleware: {}, metrics: { sampleRate: 0 },
      legacyVideoPluginsEnabled: false, remotePlugins: [],
    });
    return null;
  },
  note: 'analytics.js snippet v5.2, settings with only the Segment.io destination; one request per event (fetch keepalive)',
};

const SNOWPLOW = {
  id: 'snowplow', name: 'Snowplow browser-tracker', pkg: '@snowplow/browser-tracker', path: 'dist/index.umd.min.js',
  url: '/peer/snowplow/sp.js',
  // Snowplow's JavaScript tag (the `snowplow(...)` queue that loads sp.js). sp.js itself is only
  // on Snowplow's CDN and GitHub, not on the npm registry; the npm package of the same tracker
  // core (@snowplow/browser-tracker, UMD) is served in its place, and the one thing sp.js adds
  // on top of it, replaying the tag's queue, is the 3-line glue at the script's load event.
  head: (u, origin) => `<script>
;(function(p,l,o,w,i,n,g){if(!p[i]){p.GlobalSnowplowNamespace=p.GlobalSnowplowNamespace||[];p.GlobalSnowplowNamespace.push(i);p[i]=function(){(p[i].q=p[i].q||[]).push(arguments)};p[i].q=p[i].q||[];n=l.createElement(o);g=l.getElementsByTagName(o)[0];n.async=1;n.src=w;g.parentNode.insertBefore(n,g)}}(window,document,"script","${u}","snowplow"));
snowplow('newTracker', 'sp', '${origin}', {appId: 'bench', platform: 'web'});
snowplow('trackPageView');
document.querySelector('script[src="${u}"]').addEventListener('load', function () { var t = snowplowBrowserTracking, q = snowplow.q;
  window.snowplow = function (f) { return t[f].apply(null, Array.prototype.slice.call(arguments, 1)); };
  for (var k = 0; k < q.length; k++) snowplow.apply(null, q[k]); __bench('ready'); });
window.__ev = function (i) { ${EV}
  snowplow('trackStructEvent', {category: 'ecommerce', action: i % 2 ? 'product_view' : 'add_to_cart', label: m, property: sku, value: 299.99}); };
</script>`,
  readyHook: '',
  needsReady: true,
  serve(path, origin, peer) { return path === this.url ? js(peer.file) : null; },
  note: 'JS tag + npm UMD (sp.js is not on npm; 3-line queue glue); one POST per flush (the events of one task go together), queue in localStorage',
};

const POSTHOG = {
  id: 'posthog', name: 'PostHog posthog-js', pkg: 'posthog-js', path: 'dist/array.js', url: '/static/array.js',
  // PostHog's web snippet, unchanged but for api_host (it loads {api_host}/static/array.js and
  // its lazily loaded extensions from /static/, the package's dist/ folder).
  head: (u, origin) => `<script>
!function(t,e){var o,n,p,r;e.__SV||(window.posthog=e,e._i=[],e.init=function(i,s,a){function g(t,e){var o=e.split(".");2==o.length&&(t=t[o[0]],e=o[1]),t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}}(p=t.createElement("script")).type="text/javascript",p.crossOrigin="anonymous",p.async=!0,p.src=s.api_host+"/static/array.js",(r=t.getElementsByTagName("script")[0]).parentNode.insertBefore(p,r);var u=e;for(void 0!==a?u=e[a]=[]:a="posthog",u.people=u.people||[],u.toString=function(t){var e="posthog";return"posthog"!==a&&(e+="."+a),t||(e+=" (stub)"),e},u.people.toString=function(){return u.toString(1)+".people (stub)"},o="capture identify alias people.set people.set_once set_config register register_once unregister opt_out_capturing has_opted_out_capturing opt_in_capturing reset isFeatureEnabled onFeatureFlags getFeatureFlag getFeatureFlagPayload reloadFeatureFlags group updateEarlyAccessFeatureEnrollment getEarlyAccessFeatures getActiveMatchingSurveys getSurveys onSessionId".split(" "),n=0;n<o.length;n++)g(u,o[n]);e._i.push([i,s,a])},e.__SV=1)}(document,window.posthog||[]);
posthog.init('phc_bench', {api_host: '${origin}', person_profiles: 'identified_only', loaded: function () { __bench('ready'); }});
window.__ev = function (i) { ${EV}
  if (i % 2) posthog.capture('Product Viewed', {product_id: sku, name: m, category: 'tv', price: 299.99});
  else posthog.capture('Product Added', {product_id: sku, name: m, price: 299.99, quantity: 1}); };
</script>`,
  readyHook: '',
  needsReady: true,
  serve(path, origin, peer) {
    if (path.startsWith('/static/')) return js(fileUnder(join(peer.dir, 'dist'), path.slice(8).replace(/^\d+\.\d+\.\d+\//, '')));
    // Remote config and feature flags: nothing enabled (no session recording, no surveys).
    if (/^\/array\/[^/]+\/config\.js$/.test(path)) return { type: 'text/javascript', body: '' };
    if (/^\/array\/[^/]+\/config$/.test(path)) return json({ sessionRecording: false, supportedCompression: ['gzip-js'], surveys: false, heatmaps: false, autocaptureExceptions: false });
    if (path.startsWith('/flags') || path.startsWith('/decide')) return json({ featureFlags: {}, flags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false, sessionRecording: false, surveys: false, heatmaps: false, supportedCompression: ['gzip-js'] });
    return null;
  },
  note: 'web snippet, defaults (autocapture, pageleave, client rate limit: 10/s after a burst of 100, so most of the 1,000 calls are dropped); remote config with nothing enabled; batches, gzip bodies',
};

const RUDDER = {
  id: 'rudder', name: 'RudderStack analytics-js', pkg: '@rudderstack/analytics-js', path: 'dist/npm/modern/bundled/umd/index.js',
  url: '/peer/rudder/rsa.min.js',
  // The v3 loading snippet's queue (`rudderanalytics` array with method stubs, load + page). The
  // CDN build rsa.min.js is not in the npm package, and the package's plain UMD build fetches its
  // plugins (XhrQueue, the one that sends) at run time from the CDN's plugins folder, which is
  // not in the package either: with it nothing is ever sent. The package's "bundled" build has
  // the plugins inside; it is served minified with terser, as a shop's bundler would. Its UMD
  // wrapper overwrites `window.rudderanalytics`, so the glue at its load event puts the snippet's
  // queue back and creates the instance, which replays the queue as the CDN build does.
  head: (u, origin) => `<script>
!function(){var e="rudderanalytics";window[e]||(window[e]=[]);var ra=window[e];if(Array.isArray(ra)){if(true===ra.snippetExecuted){console.error("RudderStack JavaScript SDK snippet included more than once.")}else{ra.snippetExecuted=true;
var r=["setDefaultInstanceKey","load","ready","page","track","identify","alias","group","reset","setAnonymousId","startSession","endSession","consent"];
for(var n=0;n<r.length;n++){var t=r[n];ra[t]=function(r){return function(){ra.push([r].concat(Array.prototype.slice.call(arguments)))}}(t)}
var s=document.createElement("script");s.src="${u}";s.async=true;s.setAttribute("data-loader","RS_JS_SDK");
s.addEventListener("load",function(){var RA=window[e].RudderAnalytics;window[e]=ra;new RA()});
document.head.insertBefore(s,document.head.firstChild);
ra.load("2Bench0WriteKey0Local0Test0x","${origin}",{configUrl:"${origin}"});ra.page()}}}();
window.__ev = function (i) { ${EV}
  if (i % 2) rudderanalytics.track('Product Viewed', {product_id: sku, name: m, category: 'tv', price: 299.99});
  else rudderanalytics.track('Product Added', {product_id: sku, name: m, price: 299.99, quantity: 1}); };
</script>`,
  readyHook: `rudderanalytics.ready(function () { __bench('ready'); });`,
  needsReady: true,
  async prepare(pkgDir, tmp) {
    const src = join(pkgDir, this.path);
    let minify;
    try { ({ minify } = await import('terser')); } catch { this.note += ' (terser not found: served unminified)'; return src; }
    const out = await minify(readFileSync(src, 'utf8'), { ecma: 2020, compress: true, mangle: true, format: { comments: false } });
    const file = join(tmp, 'rudder-bundled.min.js');
    writeFileSync(file, out.code);
    return file;
  },
  serve(path, origin, peer) {
    if (path === this.url) return js(peer.file);
    // The control plane's source config: the source enabled, no device-mode destinations.
    if (path.startsWith('/sourceConfig')) return json({ isHosted: false, source: { id: 'src', name: 'bench', writeKey: '2Bench0WriteKey0Local0Test0x', workspaceId: 'ws', enabled: true, config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } }, destinations: [] } });
    return null;
  },
  note: 'v3 snippet queue + npm "bundled" build minified (plain npm build cannot send: plugins only on the CDN); XHR per event, queue in localStorage',
};

const PLAUSIBLE = {
  id: 'plausible', name: 'Plausible tracker', pkg: '@plausible-analytics/tracker', path: 'plausible.js',
  url: '/peer/plausible/plausible.js',
  // The npm package is an ES module: init() and track() as its README shows, from an inline
  // module script; calls made before it has loaded wait in a small array, as a bundle's would.
  // captureOnLocalhost: the page is on 127.0.0.1, which Plausible ignores by default.
  head: (u, origin) => `<script>
window.__pq = [];
window.__ev = function (i) { ${EV}
  var a = [i % 2 ? 'Product Viewed' : 'Product Added', {props: {product_id: sku, name: m}}];
  if (window.__pt) __pt(a[0], a[1]); else __pq.push(a); };
</script>
<script type="module">
import { init, track } from '${u}';
init({ domain: 'shop.example', endpoint: '${origin}/api/event', logging: false, captureOnLocalhost: true });
for (const a of window.__pq) track(a[0], a[1]); window.__pq = []; window.__pt = track;
__bench('load'); __bench('ready');
</script>`,
  readyHook: '',
  needsReady: true,
  serve(path, origin, peer) { return path === this.url ? js(peer.file) : null; },
  note: 'npm ES module, init() + track(); one fetch per event, no batching, no retry, no persistence',
};

export const PEERS = [OURS, SEGMENT, SNOWPLOW, POSTHOG, RUDDER, PLAUSIBLE];
