// Request/response over anywidget custom messages (style guide P5): every request carries `kind`
// and a string `id`; Python answers `{kind: "<kind>:ok", id, ...}` (+ buffers) or
// `{kind: "error", id, message}`. One pending-requests Map, one msg:custom handler that ignores
// kinds and ids it does not know, a timeout through AbortSignal, and dispose() for render cleanup.

/** @typedef {"error" | "timeout" | "abort" | "disposed"} RequestErrorCode */
/** @typedef {DataView | ArrayBuffer | ArrayBufferView} WireBuffer */
/** @typedef {{ content: Record<string, any>, buffers: WireBuffer[] }} Reply */
/** @typedef {{ signal?: AbortSignal, timeout?: number }} RequestOptions */

/** Minimal model surface the envelope needs (an AFM model satisfies it). */
/** @typedef {{ on(name: "msg:custom", fn: (msg: any, buffers: any[]) => void): void, off(name: "msg:custom", fn: (msg: any, buffers: any[]) => void): void, send(content: any, callbacks?: any, buffers?: any[]): void }} MessageModel */

export const DEFAULT_TIMEOUT_MS = 30_000;

export class RequestError extends Error {
  /**
   * @param {string} message
   * @param {RequestErrorCode} code
   */
  constructor(message, code) {
    super(message);
    this.name = "RequestError";
    this.code = code;
  }
}

let envelopes = 0;

/**
 * @param {MessageModel} model
 * @param {{ timeout?: number, prefix?: string }} [options]
 */
export function createEnvelope(model, options = {}) {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
  // Every view of a model receives every reply, so ids must differ between views: a per-envelope
  // prefix plus a counter.
  envelopes += 1;
  const prefix = options.prefix ?? `te${envelopes.toString(36)}${Math.random().toString(36).slice(2, 7)}`;
  /** @type {Map<string, { kind: string, resolve: (reply: Reply) => void, reject: (err: Error) => void }>} */
  const pending = new Map();
  let counter = 0;
  let disposed = false;

  /**
   * @param {any} msg
   * @param {WireBuffer[] | undefined} buffers
   */
  const onMessage = (msg, buffers) => {
    if (msg === null || typeof msg !== "object" || typeof msg.id !== "string") return;
    const entry = pending.get(msg.id);
    if (!entry) return;
    if (msg.kind === `${entry.kind}:ok`) entry.resolve({ content: msg, buffers: buffers ?? [] });
    else if (msg.kind === "error") entry.reject(new RequestError(String(msg.message ?? "request failed"), "error"));
  };
  model.on("msg:custom", onMessage);

  /**
   * Send `{...fields, kind, id}` and wait for its reply.
   * @param {string} kind
   * @param {Record<string, unknown>} [fields]
   * @param {RequestOptions} [opts]
   * @returns {Promise<Reply>}
   */
  function request(kind, fields = {}, opts = {}) {
    if (disposed) return Promise.reject(new RequestError("the widget view was closed", "disposed"));
    counter += 1;
    const id = `${prefix}-${counter}`;
    return new Promise((resolve, reject) => {
      const controller = new AbortController();
      const ms = opts.timeout ?? timeout;
      const timer = setTimeout(
        () => controller.abort(new RequestError(`${kind} request timed out after ${ms} ms`, "timeout")),
        ms,
      );
      const outer = opts.signal;
      const onOuterAbort = () => controller.abort(new RequestError(`${kind} request aborted`, "abort"));
      const finish = () => {
        clearTimeout(timer);
        outer?.removeEventListener("abort", onOuterAbort);
        pending.delete(id);
      };
      controller.signal.addEventListener(
        "abort",
        () => {
          finish();
          const reason = controller.signal.reason;
          reject(reason instanceof Error ? reason : new RequestError(`${kind} request aborted`, "abort"));
        },
        { once: true },
      );
      pending.set(id, {
        kind,
        resolve: (reply) => {
          finish();
          resolve(reply);
        },
        reject: (err) => {
          finish();
          reject(err);
        },
      });
      if (outer?.aborted) {
        onOuterAbort();
        return;
      }
      outer?.addEventListener("abort", onOuterAbort, { once: true });
      try {
        model.send({ ...fields, kind, id });
      } catch (err) {
        pending.get(id)?.reject(new RequestError(`could not send ${kind}: ${err}`, "error"));
      }
    });
  }

  /** Stop listening and reject every pending request. */
  function dispose() {
    if (disposed) return;
    disposed = true;
    model.off("msg:custom", onMessage);
    for (const entry of [...pending.values()]) {
      entry.reject(new RequestError("the widget view was closed", "disposed"));
    }
  }

  return {
    request,
    dispose,
    /** Number of requests still waiting for a reply. */
    get pending() {
      return pending.size;
    },
  };
}

/** @typedef {ReturnType<typeof createEnvelope>} Envelope */
