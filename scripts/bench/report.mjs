/**
 * The table: one row per figure, one column per tracker, every peer's figure followed by the
 * ratio ours/peer. Every figure is the median over the runs; CPU figures marked "- control" have
 * the control page's median (our snippet with an empty script) subtracted. After the table: the
 * rows where ours is not ahead of every peer, by how much; the set-up notes; the form scanner.
 */
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';
import { CALL_BLOCK, CALLS, EVENTS, INPUTS, LONG_TASK_MS, NAV_EVENTS, QUEUED, SETTLE_MS, median } from './common.mjs';

const gz = (b) => gzipSync(b, { level: 9 }).length;
const br = (b) => brotliCompressSync(b, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;

const fmt = {
  kb: (x) => (x / 1024).toFixed(1),
  ms: (x) => x.toFixed(2),
  us: (x) => x.toFixed(1),
  n: (x) => (Number.isInteger(x) ? String(x) : x.toFixed(1)),
};
const ratio = (o, p) => {
  if (!Number.isFinite(o) || !Number.isFinite(p)) return '';
  if (p === 0) return o === 0 ? '=' : 'inf';
  return (o / p).toFixed(2) + 'x';
};

/**
 * `results`: Map peer id -> { main: [], wire: [], navBlank: [], navNext: [] }, control included.
 * Returns the report as text lines.
 */
export function buildReport({ peers, control, results, form, env, intercepted, runs }) {
  const ctl = results.get(control.id) || { main: [] };
  const ctlMed = (k) => median(ctl.main.map((m) => m[k]));
  const med = (arr, f) => median((arr || []).filter((x) => x != null).map(f));

  // Per-peer figures.
  const fig = new Map();
  for (const p of [...peers, control]) {
    if (p.na) continue;
    const R = results.get(p.id) || {};
    const file = p.file ? readFileSync(p.file) : Buffer.alloc(0);
    const all = new Map();
    for (const m of R.main || []) if (m) for (const [k, v] of m.scripts) all.set(k, v);
    const isCtl = p.id === control.id;
    fig.set(p.id, {
      raw: file.length, gz: gz(file), br: br(file),
      allGz: [...all.values()].reduce((s, b) => s + gz(b), 0), allFiles: all.size,
      boot: med(R.main, (m) => m.boot) - (isCtl ? 0 : ctlMed('boot')),
      bootWall: med(R.main, (m) => m.bootWall) - (isCtl ? 0 : ctlMed('bootWall')),
      first3s: med(R.main, (m) => m.first3s) - (isCtl ? 0 : ctlMed('first3s')),
      p50: med(R.main, (m) => m.p50), p95: med(R.main, (m) => m.p95), mean: med(R.main, (m) => m.mean),
      callsCpu: med(R.main, (m) => m.callsCpu) - (isCtl ? 0 : ctlMed('callsCpu')),
      longCount: med(R.main, (m) => m.longCount) - (isCtl ? 0 : ctlMed('longCount')),
      longMax: med(R.main, (m) => m.longMax),
      req: med(R.wire, (w) => w.during.req), bytes: med(R.wire, (w) => w.during.bytes), ev: med(R.wire, (w) => w.during.ev),
      lreq: med(R.wire, (w) => w.leave.req), lbytes: med(R.wire, (w) => w.leave.bytes),
      navBlank: med(R.navBlank, (x) => x), navNext: med(R.navNext, (x) => x),
      n: (R.main || []).filter(Boolean).length,
    });
  }
  const ours = fig.get(peers[0].id) || {};

  // Rows: [label, key, format, better ('low' | 'high' | null: no ratio), control column shown]
  const rows = [
    ['1 script file, raw KB', 'raw', fmt.kb, 'low'],
    ['1 script file, gzip -9 KB', 'gz', fmt.kb, 'low'],
    ['1 script file, brotli KB', 'br', fmt.kb, 'low'],
    ['1 all JS the page loaded, gzip -9 KB', 'allGz', fmt.kb, 'low'],
    [`2 boot: eval + init + replay of ${QUEUED}, CPU ms - control`, 'boot', fmt.ms, 'low', true],
    ['2 boot, wall ms of the same tasks - control', 'bootWall', fmt.ms, 'low', true],
    [`2 first ${SETTLE_MS / 1000} s from eval, all work, CPU ms - control`, 'first3s', fmt.ms, 'low', true],
    ['3 one call, p50 us', 'p50', fmt.us, 'low', true],
    ['3 one call, p95 us', 'p95', fmt.us, 'low', true],
    [`3 one call, mean of blocks of ${CALL_BLOCK}, us`, 'mean', fmt.us, 'low', true],
    [`3 ${CALLS} calls + ${SETTLE_MS / 1000} s, all work, CPU ms - control`, 'callsCpu', fmt.ms, 'low', true],
    [`4 ${EVENTS} events: requests`, 'req', fmt.n, 'low'],
    [`4 ${EVENTS} events: payload KB`, 'bytes', fmt.kb, 'low'],
    [`4 ${EVENTS} events: received (check)`, 'ev', fmt.n, null],
    ['4 at page leave: requests', 'lreq', fmt.n, 'low'],
    ['4 at page leave: payload KB', 'lbytes', fmt.kb, 'low'],
    [`5 long tasks > ${LONG_TASK_MS} ms - control`, 'longCount', fmt.n, 'low', true],
    ['5 longest task, ms (wall)', 'longMax', fmt.ms, null, true],
    [`6 nav, next page without tracker: /${NAV_EVENTS}`, 'navBlank', fmt.n, 'high'],
    [`6 nav, next page with tracker: /${NAV_EVENTS}`, 'navNext', fmt.n, 'high'],
  ];
  const cols = [...peers.filter((p) => !p.na), control];
  const head = ['figure (median of runs)', ...cols.map((p) => (p.id === control.id ? 'control' : p.id === peers[0].id ? 'ours' : `${p.id} (ours/peer)`))];
  const body = rows.map(([label, key, f, better, showCtl]) => [label, ...cols.map((p) => {
    const v = fig.get(p.id)?.[key];
    if (p.id === control.id) return showCtl && Number.isFinite(v) ? f(Math.max(0, v)) : '';
    if (!Number.isFinite(v)) return 'n/a';
    if (p.id === peers[0].id || !better) return f(v);
    return `${f(v)} (${ratio(ours[key], v)})`;
  })]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';

  const out = [];
  out.push(`bench-peers ${env.date} | ${env.cpu} x${env.cores} | ${env.os} | Chromium ${env.chromium} | Node ${env.node} | median of ${runs} runs`);
  out.push('');
  out.push(line(head));
  out.push('|' + widths.map((w, i) => (i ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|');
  for (const r of body) out.push(line(r));
  out.push('');
  out.push('trackers: ' + [...peers].map((p) => `${p.id} = ${p.name}${p.version ? ' ' + p.version : ''}${p.na ? ` (left out: ${p.na})` : ''}`).join('; '));

  // Where ours is not ahead: behind (by how much) or tied.
  const behind = [];
  for (const [label, key, f, better] of rows) {
    if (!better || !Number.isFinite(ours[key])) continue;
    const worse = [], tied = [];
    for (const p of peers.slice(1)) {
      const v = fig.get(p.id)?.[key];
      if (!Number.isFinite(v)) continue;
      if (f(v) === f(ours[key])) tied.push(p.id);
      else if (better === 'low' ? ours[key] > v : ours[key] < v) worse.push(`${p.id} ${f(v)} (ours/peer ${ratio(ours[key], v)})`);
    }
    if (worse.length || tied.length) behind.push(`  ${label}: ours ${f(ours[key])}` + (worse.length ? `; behind ${worse.join(', ')}` : '') + (tied.length ? `; tied with ${tied.join(', ')}` : ''));
  }
  out.push('');
  out.push(behind.length ? 'rows where ours is not ahead of every peer:' : 'ours is ahead of every peer on every row');
  out.push(...behind);

  out.push('');
  out.push('set-up:');
  for (const p of peers) out.push(`  ${p.id}: ${p.na ? `left out (${p.na})` : p.note}`);
  out.push('');
  out.push('method:');
  out.push(`  CPU = thread CPU time of the page's main-thread tasks in Chromium's trace (CDP Tracing: RunTask tdur). boot = tasks from the one that starts`);
  out.push(`  evaluating the tracker's script to the one in which it is ready (its script's load event, or its ready callback if later) with the ${QUEUED}`);
  out.push(`  queued commands replayed; tasks that ran JavaScript (or its GC) only, minus the control page's (the harness's load listener);`);
  out.push(`  readiness comes by a CDP binding, the harness does not poll the page.`);
  out.push(`  wall = the same tasks' wall time: it adds synchronous waits (cookie and localStorage IPC) and time the shared machine ran something else.`);
  out.push(`  first ${SETTLE_MS / 1000} s = every task in the ${SETTLE_MS / 1000} s from that start (deferred sends, idle-time work) minus the control page's.`);
  out.push(`  one call = performance.now() around each of ${CALLS} calls (${CALLS / CALL_BLOCK} tasks of ${CALL_BLOCK}), page cross-origin isolated (COOP+COEP): 5 us`);
  out.push(`  resolution${env.isolated === false ? ' -- NOT isolated in this run: 100 us resolution, use the block means' : ''}; mean = each block's time / ${CALL_BLOCK}.`);
  out.push(`  long tasks = main-thread tasks over ${LONG_TASK_MS} ms (wall) from the tracker's first task to ${SETTLE_MS / 1000} s after the ${CALLS} calls, minus the control page's.`);
  out.push(`  payload = URL path+query + body as received (headers left out). nav = events pushed in the task that sets location.href, arrived within 3 s.`);
  out.push(`  requests for other hosts answered locally: ${intercepted.size ? [...intercepted].map(([h, n]) => `${h} x${n}`).join(', ') : 'none'}`);

  if (form) {
    const f = (k, arr) => median(arr.filter(Boolean).map((x) => x[k]));
    out.push('');
    out.push(`7 ours only, form scanner, page with ${INPUTS.toLocaleString('en')} inputs (median of ${form.ours.filter(Boolean).length}):`);
    out.push(`  boot CPU ${fmt.ms(f('boot', form.ours))} ms (same page without the inputs: ${fmt.ms(f('boot', form.plain))} ms)`);
    out.push(`  our script's own callbacks in the ${SETTLE_MS / 1000} s after boot (page view at DOMContentLoaded, idle-time pass, first send) ${fmt.ms(f('after', form.ours))} ms CPU (without the inputs: ${fmt.ms(f('after', form.plain))} ms)`);
    out.push(`  the longest of those callbacks ${fmt.ms(f('afterMax', form.ours))} ms CPU (without the inputs: ${fmt.ms(f('afterMax', form.plain))} ms)`);
    out.push(`  one change + blur of the email field: its task ${fmt.us(f('blurCpu', form.ours))} us CPU, ${fmt.us(f('blur', form.ours))} us wall inside the page`);
    out.push(`  (control page, same field, no tracker: ${fmt.us(f('blurCpu', form.control))} us CPU, ${fmt.us(f('blur', form.control))} us wall)`);
  }
  return out;
}
