// Tiny element builder. Text only ever goes in through text nodes / textContent: never
// innerHTML, so data such as `<img src=x onerror=alert(1)>` stays literal text.

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs] attributes; `class`
 *   sets className, `text` sets textContent, false/null/undefined are skipped
 * @param {(Node | string)[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  if (children.length) node.append(...children);
  return node;
}

/**
 * Closest ancestor (or self) of an event target matching a selector, inside `root`.
 * @param {EventTarget | null} target
 * @param {string} selector
 * @param {Element} root
 * @returns {HTMLElement | null}
 */
export function closestIn(target, selector, root) {
  if (!(target instanceof Element)) return null;
  const found = target.closest(selector);
  return found instanceof HTMLElement && root.contains(found) ? found : null;
}

/**
 * Collects what a render set up outside `el` so its cleanup can undo all of it (style guide P9).
 */
export function createTeardown() {
  /** @type {(() => void)[]} */
  const undo = [];
  return {
    /** @param {() => void} fn run at dispose() */
    add: (fn) => void undo.push(fn),
    /**
     * addEventListener now, removeEventListener at dispose().
     * @param {EventTarget} target
     * @param {string} type
     * @param {(event: any) => void} fn
     * @param {AddEventListenerOptions} [options]
     */
    listen(target, type, fn, options) {
      target.addEventListener(type, fn, options);
      undo.push(() => target.removeEventListener(type, fn, options));
    },
    /**
     * model.on now, model.off at dispose().
     * @param {{ on(name: string, fn: () => void): void, off(name: string, fn: () => void): void }} model
     * @param {string[]} names
     * @param {() => void} fn
     */
    watch(model, names, fn) {
      for (const name of names) {
        model.on(name, fn);
        undo.push(() => model.off(name, fn));
      }
    },
    dispose() {
      for (const fn of undo.splice(0).reverse()) fn();
    },
  };
}
