/** Sizes of the benchmark's scenarios and the small statistics every module uses. */
export const QUEUED = 50; // commands pushed before the tracker's script has loaded (replayed at boot)
export const CALLS = 1000; // per-call cost sample, in tasks of CALL_BLOCK calls
export const CALL_BLOCK = 50;
export const EVENTS = 100; // wire cost sample: 10 tasks of 10 events, 50 ms apart
export const NAV_EVENTS = 20; // pushed in the same task as a navigation
export const INPUTS = 5000; // the form scanner's page
export const SETTLE_MS = 3000; // "first 3 s" window after the tracker starts, and after the calls
export const LONG_TASK_MS = 50;
export const MARK = 'bmk'; // every benchmark event carries `${MARK}-<i>-` in a property, counted at the collector

const finite = (a) => a.filter((x) => typeof x === 'number' && Number.isFinite(x));
export const median = (a) => {
  const s = finite(a).sort((x, y) => x - y);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Nearest-rank percentile. */
export const pct = (a, p) => {
  const s = finite(a).sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
};
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
