// The AFM `model` surface (get/set/on/off/save_changes/send), plus test hooks: recorded sends,
// delivery of a msg:custom with buffers, and a count of live listeners.

/** @typedef {(...args: any[]) => void} Handler */
/** @typedef {{ content: Record<string, any>, buffers: unknown[] }} Sent */

/**
 * @typedef {object} FakeHooks
 * @property {number} saves
 * @property {Sent[]} sent every model.send, in order
 * @property {(content: unknown, buffers?: unknown[]) => void} receive deliver a msg:custom
 * @property {() => number} listenerCount
 * @property {(kind: string) => Record<string, any>[]} sentOf contents of the sends of one kind
 * @property {(kind: string) => Record<string, any>} lastOf the last send of one kind (throws if none)
 * @property {(request: Record<string, any>, fields?: Record<string, unknown>, buffers?: unknown[]) => void} reply
 *   answer a recorded request with `<kind>:ok` and the same id
 */

/**
 * @template {Record<string, any>} T
 * @param {T} initial
 * @returns {import("@anywidget/types").AnyModel<T> & FakeHooks}
 */
export function fakeModel(initial) {
  /** @type {Record<string, any>} */
  const state = { ...initial };
  /** @type {Map<string, Set<Handler>>} */
  const handlers = new Map();
  /** @type {(name: string, ...args: unknown[]) => void} */
  const fire = (name, ...args) => {
    for (const fn of [...(handlers.get(name) ?? [])]) fn(...args);
  };
  const model = {
    /** @param {string} key */
    get: (key) => state[key],
    /** @param {string} key @param {unknown} value */
    set(key, value) {
      if (Object.is(state[key], value)) return;
      state[key] = value;
      fire(`change:${key}`, null, value);
    },
    /** @param {string} name @param {Handler} fn */
    on(name, fn) {
      if (!handlers.has(name)) handlers.set(name, new Set());
      handlers.get(name)?.add(fn);
    },
    /** @param {string | null} [name] @param {Handler | null} [fn] */
    off(name, fn) {
      if (name == null) handlers.clear();
      else if (fn == null) handlers.delete(name);
      else handlers.get(name)?.delete(fn);
    },
    save_changes() {
      model.saves += 1;
    },
    /** @param {Record<string, any>} content @param {unknown} [_callbacks] @param {unknown[]} [buffers] */
    send(content, _callbacks, buffers = []) {
      model.sent.push({ content, buffers });
    },
    widget_manager: { get_model: () => Promise.reject(new Error("not in a fake")) },
    saves: 0,
    /** @type {Sent[]} */
    sent: [],
    /** @param {unknown} content @param {unknown[]} [buffers] */
    receive: (content, buffers = []) => fire("msg:custom", content, buffers),
    listenerCount: () => [...handlers.values()].reduce((n, set) => n + set.size, 0),
    /** @param {string} kind */
    sentOf: (kind) => model.sent.filter((s) => s.content.kind === kind).map((s) => s.content),
    /** @param {string} kind */
    lastOf(kind) {
      const all = model.sentOf(kind);
      if (all.length === 0) throw new Error(`nothing of kind ${kind} was sent`);
      return all[all.length - 1];
    },
    /** @param {Record<string, any>} request @param {Record<string, unknown>} [fields] @param {unknown[]} [buffers] */
    reply: (request, fields = {}, buffers = []) => model.receive({ kind: `${request.kind}:ok`, id: request.id, ...fields }, buffers),
  };
  return /** @type {any} */ (model);
}
