/**
 * Chromium's own trace (CDP Tracing, `devtools.timeline` + `toplevel` + user timing): every task
 * the page's main thread ran, with its wall duration (`dur`) and its thread CPU time (`tdur`),
 * the script evaluations and function calls with the URL of their script, and the harness's
 * performance marks (`bench:load`, `bench:ready`, `bench:calls-start`, `bench:calls-end`).
 * CPU time of whole tasks is what the figures add up: it counts compile, evaluation, microtasks,
 * GC, style and layout the tracker causes within its tasks, and it does not count time the
 * thread waited for the other core (the machine is shared).
 */
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink.user_timing', 'v8', 'v8.execute'];

/** Starts tracing on a page's CDP session; `stop()` resolves to the events. */
export async function startTrace(cdp) {
  const events = [];
  const onData = (e) => { for (const ev of e.value) events.push(ev); };
  cdp.on('Tracing.dataCollected', onData);
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordAsMuchAsPossible' } });
  return async function stop() {
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.end');
    await done;
    cdp.off('Tracing.dataCollected', onData);
    return events;
  };
}

const urlOf = (e) => e.args?.data?.url || e.args?.fileName || '';
/** Events of a script running (not of its download): their URL is the script's. */
const RUNS = /^(EvaluateScript|v8\.compile|v8\.compileModule|v8\.evaluateModule|v8\.produceCache|v8\.produceModuleCache|FunctionCall)$/;
/** Events that say a task ran JavaScript (or collected its garbage); tasks without any are rendering, input or IPC. */
const JS = /^(EvaluateScript|FunctionCall|v8\.compile|v8\.compileModule|v8\.evaluateModule|v8\.run|v8\.callFunction|RunMicrotasks|FireIdleCallback|TimerFire|XHRReadyStateChange|XHRLoad|MajorGC|MinorGC)$/;

/**
 * The page's main thread in a trace: its tasks, the harness's marks and the tasks in which a
 * script whose URL contains `path` ran (compiled, evaluated, or called back).
 */
export class Trace {
  constructor(events, path) {
    const marks = events.filter((e) => typeof e.name === 'string' && e.name.startsWith('bench:') && /user_timing/.test(e.cat));
    const anchor = marks[0] || events.find((e) => RUNS.test(e.name) && urlOf(e).includes(path));
    this.ok = !!anchor;
    if (!anchor) return;
    const same = (e) => e.pid === anchor.pid && e.tid === anchor.tid;
    this.tasks = events.filter((e) => same(e) && e.name === 'RunTask' && e.ph === 'X' && /devtools\.timeline/.test(e.cat))
      .map((e) => ({ ts: e.ts, end: e.ts + (e.dur || 0), dur: (e.dur || 0) / 1000, cpu: (e.tdur ?? e.dur ?? 0) / 1000, tracker: false, js: false }))
      .sort((a, b) => a.ts - b.ts);
    this.own = []; // [ts, cpu ms, wall ms] of the tracker's own outermost script events
    this.marks = new Map();
    for (const m of marks) if (same(m)) this.marks.set(m.name.slice(6), Math.max(this.marks.get(m.name.slice(6)) || 0, m.ts));
    this.trackerTs = Infinity;
    let ownEnd = -Infinity;
    for (const e of events.filter((e) => same(e) && e.ph === 'X').sort((a, b) => a.ts - b.ts)) {
      if (JS.test(e.name)) { const t = this.taskAt(e.ts); if (t) t.js = true; }
      if (!RUNS.test(e.name) || !path || !urlOf(e).includes(path)) continue;
      this.trackerTs = Math.min(this.trackerTs, e.ts);
      const t = this.taskAt(e.ts);
      if (t) t.tracker = true;
      if (e.ts >= ownEnd) { this.own.push([e.ts, (e.tdur ?? e.dur ?? 0) / 1000, (e.dur || 0) / 1000]); ownEnd = e.ts + (e.dur || 0); }
    }
  }
  /** The task running at `ts` (or the last one started before it). */
  taskAt(ts) {
    let lo = 0, hi = this.tasks.length - 1, best = null;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (this.tasks[mid].ts <= ts) { best = this.tasks[mid]; lo = mid + 1; } else hi = mid - 1; }
    return best;
  }
  /** CPU ms of the tracker's own script events (evaluation, callbacks) that started in [from, to]. */
  ownCpu(from, to) { return this.own.filter(([ts]) => ts >= from && ts <= to).reduce((s, [, c]) => s + c, 0); }
  /** The longest (CPU ms) of those events. */
  ownMax(from, to) { return Math.max(0, ...this.own.filter(([ts]) => ts >= from && ts <= to).map(([, c]) => c)); }
  mark(name) { return this.marks.get(name); }
  /** Tasks that started in [from, to] (microseconds of the trace clock). */
  between(from, to) { return this.tasks.filter((t) => t.ts >= from && t.ts <= to); }
  /** Thread CPU ms of the tasks that started in [from, to]. */
  cpu(from, to, only = () => true) { return this.between(from, to).filter(only).reduce((s, t) => s + t.cpu, 0); }
  /** Tasks longer than `ms` (wall) that started in [from, to]. */
  long(from, to, ms) { return this.between(from, to).filter((t) => t.dur > ms); }
}
