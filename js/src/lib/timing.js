// Debounce and throttle with flush/cancel, so a render cleanup can drop pending timers
// (style guide P8, P9).

/**
 * @template {unknown[]} A
 * @typedef {{ call: (...args: A) => void, flush: () => void, cancel: () => void, readonly pending: boolean }} Scheduled
 */

/**
 * Run `fn` once `ms` have passed without a new call (with the last call's arguments).
 * @template {unknown[]} A
 * @param {(...args: A) => void} fn
 * @param {number} ms
 * @returns {Scheduled<A>}
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {A | undefined} */
  let args;
  const run = () => {
    clearTimeout(timer);
    timer = undefined;
    const a = args;
    args = undefined;
    if (a) fn(...a);
  };
  return {
    call(...a) {
      args = a;
      clearTimeout(timer);
      timer = setTimeout(run, ms);
    },
    flush: run,
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      args = undefined;
    },
    get pending() {
      return args !== undefined;
    },
  };
}

/**
 * Run `fn` at most once per `ms`: the first call at once, later ones batched into a trailing
 * call with the latest arguments. flush() runs a pending trailing call now.
 * @template {unknown[]} A
 * @param {(...args: A) => void} fn
 * @param {number} ms
 * @returns {Scheduled<A>}
 */
export function throttle(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {A | undefined} */
  let args;
  let last = -Infinity;
  const run = () => {
    clearTimeout(timer);
    timer = undefined;
    const a = args;
    args = undefined;
    if (!a) return;
    last = Date.now();
    fn(...a);
  };
  return {
    call(...a) {
      args = a;
      const wait = last + ms - Date.now();
      if (wait <= 0) run();
      else if (timer === undefined) timer = setTimeout(run, wait);
    },
    flush: run,
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      args = undefined;
    },
    get pending() {
      return args !== undefined;
    },
  };
}

/**
 * requestAnimationFrame with a timer fallback; returns a cancel function.
 * @param {() => void} fn
 * @returns {() => void}
 */
export function nextFrame(fn) {
  if (typeof requestAnimationFrame === "function") {
    const handle = requestAnimationFrame(() => fn());
    return () => cancelAnimationFrame(handle);
  }
  const handle = setTimeout(fn, 16);
  return () => clearTimeout(handle);
}
