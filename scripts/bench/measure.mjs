/**
 * The scenarios, one fresh browser context each (no cookies, no storage, no cache), run the same
 * way for every tracker and for the control page (our snippet with an empty script):
 *
 *   main   product page with QUEUED events pushed before the script loads; traced. Boot = thread
 *          CPU of the page's tasks from the one that starts evaluating the tracker's script to the
 *          end of the one in which it is ready (its script's load event, or its ready callback
 *          if it has one and that comes later) and has replayed the queue; first 3 s = every
 *          task in the 3 s from that start (deferred sends, idle work); then CALLS calls, each
 *          timed with performance.now() (5 us resolution: the page is cross-origin isolated), in
 *          tasks of CALL_BLOCK; long tasks over the whole scenario.
 *   wire   EVENTS events on a booted page (10 tasks of 10, 50 ms apart), 5 s to send them, then
 *          the page is left for a blank page: requests and payload bytes at the collector.
 *   nav    NAV_EVENTS events pushed in the same task as `location.href = next`, next being a
 *          page without the tracker or the same shop page with it: events that arrive in 3 s.
 *   form   ours only: the page with INPUTS inputs, boot, idle-time work, and one blur of the
 *          email field (change + blur), against our plain page and the control's form page.
 */
import { CALL_BLOCK, CALLS, EVENTS, LONG_TASK_MS, NAV_EVENTS, QUEUED, SETTLE_MS, median, pct, sleep } from './common.mjs';
import { startTrace, Trace } from './trace.mjs';

export function createScenarios({ browser, server, userAgent, verbose }) {
  const { origin, log } = server;

  async function newPage() {
    const context = await browser.newContext({ userAgent });
    await server.intercept(context);
    // PostHog and Plausible ignore automated browsers (navigator.webdriver): present a normal one.
    await context.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false }); });
    const page = await context.newPage();
    const marks = new Map();
    const waiters = [];
    if (verbose) {
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.error(`  [page ${m.type()}] ${m.text().slice(0, 300)}`); });
      page.on('pageerror', (e) => console.error(`  [page error] ${e.message.slice(0, 300)}`));
    }
    // The page reports its marks through a CDP binding: cheaper than a console message, and no
    // polling of the page (nothing of the harness runs while a tracker boots).
    const cdp = await context.newCDPSession(page);
    cdp.on('Runtime.bindingCalled', (e) => { if (e.name === '__benchNotify') { marks.set(e.payload, true); waiters.forEach((w) => w()); } });
    await cdp.send('Runtime.enable');
    await cdp.send('Runtime.addBinding', { name: '__benchNotify' });
    /** Resolves true once every mark in `names` was reported, false after `ms`. */
    const waitMarks = (names, ms = 20_000) => new Promise((resolve) => {
      const check = () => { if (names.every((n) => marks.has(n))) { clearTimeout(timer); resolve(true); return true; } return false; };
      const timer = setTimeout(() => resolve(false), ms);
      if (!check()) waiters.push(check);
    });
    return { context, page, cdp, waitMarks };
  }
  const readyMarks = (peer) => (peer.needsReady ? ['load', 'ready'] : ['load']);

  /** Boot window, first-3 s window and the ready check of a traced page. */
  function bootFigures(T, peer) {
    const readyTs = Math.max(T.mark('load') || 0, (readyMarks(peer).includes('ready') && T.mark('ready')) || 0);
    const start = T.taskAt(Number.isFinite(T.trackerTs) ? T.trackerTs : T.mark('load'));
    const end = T.taskAt(readyTs);
    if (!start || !end) return null;
    return {
      start: start.ts,
      bootEnd: end.end,
      // Tasks that ran JavaScript: a rendering task of the page's own that falls in a long boot
      // window is not the tracker's.
      boot: T.cpu(start.ts, end.ts, (t) => t.js),
      bootWall: T.between(start.ts, end.ts).filter((t) => t.js).reduce((s, t) => s + t.dur, 0),
      first3s: T.cpu(start.ts, start.ts + SETTLE_MS * 1000),
      after: T.ownCpu(end.end, start.ts + SETTLE_MS * 1000), // the tracker's own callbacks after boot
      afterMax: T.ownMax(end.end, start.ts + SETTLE_MS * 1000),
    };
  }

  /** main: boot, first 3 s, 1,000 calls, long tasks. */
  async function main(peer) {
    const { context, page, cdp, waitMarks } = await newPage();
    try {
      log.takeScripts();
      const stop = await startTrace(cdp);
      await page.goto(`${origin}/page?peer=${peer.id}&q=${QUEUED}`);
      const ok = await waitMarks(readyMarks(peer));
      if (!ok) { await stop(); return null; }
      await sleep(SETTLE_MS + 200);
      const r = await page.evaluate(async ({ n, block }) => {
        const t = new Float64Array(n);
        const blocks = [];
        __bench('calls-start');
        for (let k = 0; k < n; k += block) {
          const b = performance.now();
          for (let i = k; i < k + block; i++) { const a = performance.now(); __ev(200000 + i); t[i] = performance.now() - a; }
          blocks.push(performance.now() - b);
          await new Promise((r) => setTimeout(r, 0));
        }
        __bench('calls-end');
        return { t: Array.from(t), blocks, isolated: self.crossOriginIsolated };
      }, { n: CALLS, block: CALL_BLOCK });
      await sleep(SETTLE_MS + 200);
      const T = new Trace(await stop(), peer.url);
      const scripts = log.takeScripts();
      if (!T.ok) return null;
      const b = bootFigures(T, peer);
      const cs = T.mark('calls-start'), ce = T.mark('calls-end');
      if (!b || !cs || !ce) return null;
      const callsFrom = T.taskAt(cs).ts, callsTo = ce + SETTLE_MS * 1000;
      const long = T.long(b.start, callsTo, LONG_TASK_MS);
      const us = r.t.map((x) => x * 1000);
      return {
        ...b,
        p50: median(us), p95: pct(us, 95), mean: (r.blocks.reduce((s, x) => s + x, 0) / CALLS) * 1000, isolated: r.isolated,
        callsCpu: T.cpu(callsFrom, callsTo),
        longCount: long.length, longMax: Math.max(0, ...long.map((t) => t.dur)),
        longBoot: T.long(b.start, b.start + SETTLE_MS * 1000, LONG_TASK_MS).length,
        scripts,
      };
    } finally { await context.close(); }
  }

  /** wire: EVENTS events on one page, then leaving it. */
  async function wire(peer) {
    const { context, page, waitMarks } = await newPage();
    try {
      await page.goto(`${origin}/page?peer=${peer.id}&q=0`);
      if (!(await waitMarks(readyMarks(peer)))) return null;
      await sleep(2000);
      log.take();
      await page.evaluate(async (n) => {
        for (let k = 0; k < n; k += 10) { for (let i = k; i < k + 10; i++) __ev(i); await new Promise((r) => setTimeout(r, 50)); }
      }, EVENTS);
      await sleep(5000);
      const during = log.take();
      await page.goto(`${origin}/blank`);
      await sleep(2000);
      const leave = log.take();
      const sum = (l) => ({ req: l.length, bytes: l.reduce((s, e) => s + e.bytes, 0), ev: new Set(l.flatMap((e) => [...e.marks])).size });
      return { during: sum(during), leave: sum(leave) };
    } finally { await context.close(); }
  }

  /** nav: NAV_EVENTS events in the same task as a navigation; how many arrive. */
  async function nav(peer, nextHasTracker) {
    const { context, page, waitMarks } = await newPage();
    try {
      await page.goto(`${origin}/page?peer=${peer.id}&q=0`);
      if (!(await waitMarks(readyMarks(peer)))) return null;
      await sleep(1500);
      log.take();
      const next = nextHasTracker ? `/page?peer=${peer.id}&q=0&next=1` : '/blank';
      await Promise.all([
        page.waitForURL(`${origin}${next}`, { timeout: 10_000 }),
        page.evaluate(({ n, next }) => { setTimeout(() => { for (let i = 0; i < n; i++) __ev(300000 + i); location.href = next; }, 0); }, { n: NAV_EVENTS, next }),
      ]);
      await sleep(3000);
      const marks = new Set(log.take().flatMap((e) => [...e.marks]).filter((m) => /-3000\d\d-$/.test(m)));
      return marks.size;
    } finally { await context.close(); }
  }

  /** form: the page with INPUTS inputs (ours or the control), traced; one change + blur of the email field. */
  async function form(peer, path = '/form') {
    const { context, page, cdp, waitMarks } = await newPage();
    try {
      const stop = await startTrace(cdp);
      await page.goto(`${origin}${path}?peer=${peer.id}&q=0`);
      if (!(await waitMarks(['load']))) { await stop(); return null; }
      await sleep(SETTLE_MS + 200);
      // The shopper has typed an email and the page has rendered since (two frames); then the
      // field is left: change, blur and focusout in one task, timed from inside.
      const blur = path === '/form' ? await page.evaluate(async () => {
        const el = document.getElementById('em');
        el.focus();
        el.value = 'jane.doe@example.com';
        el.dispatchEvent(new Event('input', { bubbles: true }));
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))));
        performance.mark('bench:blur'); // a mark only: nothing else of the harness in that task
        const a = performance.now();
        el.dispatchEvent(new Event('change', { bubbles: true }));
        el.blur(); // blur + focusout
        return (performance.now() - a) * 1000;
      }) : NaN;
      const T = new Trace(await stop(), peer.url);
      const b = T.ok && bootFigures(T, peer);
      const blurTask = T.ok && T.mark('blur') && T.taskAt(T.mark('blur'));
      return b ? { ...b, blur, blurCpu: blurTask ? blurTask.cpu * 1000 : NaN } : null;
    } finally { await context.close(); }
  }

  return { main, wire, nav, form };
}
