// The page's part in server-mode downloads: only the page knows the Jupyter server's URL and
// token, so the kernel sends it `server-request`s (enqueue a plan, cancel jobs) and the page makes
// one REST call for each (lib: server_api.js), answering an enqueue with the server's batch id or
// any failure with its error. Progress does not come back this way: the kernel reads the job
// board the server keeps in the cache folder.

/** @import { Plan } from "./shapes.js" */
/** @import { ServerApi } from "./server_api.js" */
import { JOB_ID } from "./jobs.js";

/** @typedef {Pick<ServerApi, "enqueue" | "cancelMany" | "activeJobs">} JobsApi */
/** @typedef {{ request: string, batch?: string, error?: string }} ServerAnswer */

/** Requests handled in this page: two views of one browser must not both call the server. */
const handled = new Set();
const MAX_HANDLED = 1000;

/**
 * @param {object} options
 * @param {JobsApi} options.api
 * @param {string} options.cachePath
 * @param {(answer: ServerAnswer) => void} options.answer to the kernel
 */
export function createServerLink({ api, cachePath, answer }) {
  let disposed = false;
  /** Calls go out one after another, in the order the kernel asked: a cancel never overtakes
   * the enqueue it follows. */
  let chain = Promise.resolve();
  const inOrder = (/** @type {() => Promise<void>} */ call) => {
    chain = chain.then(call, call);
  };
  const fail = (/** @type {string} */ request, /** @type {any} */ err) => {
    if (!disposed) answer({ request, error: String(err?.message ?? err) });
  };

  /** @param {string} request @param {Plan} plan */
  async function enqueue(request, plan) {
    try {
      const reply = await api.enqueue(plan);
      const batch = reply?.batch?.id;
      if (!disposed && typeof batch === "string" && JOB_ID.test(batch)) answer({ request, batch });
    } catch (err) {
      fail(request, err);
    }
  }

  /**
   * Cancel everything of the cache, or these jobs and the active jobs of these files (whose ids
   * the kernel may not know: the job board lists only the first few hundred queued jobs).
   * @param {string} request
   * @param {{ all?: boolean, jobs?: string[], keys?: string[] }} scope
   */
  async function cancel(request, scope) {
    try {
      if (scope.all) return void (await api.cancelMany({ cache: cachePath }));
      const ids = new Set((scope.jobs ?? []).filter((j) => JOB_ID.test(j)));
      const keys = new Set(scope.keys ?? []);
      if (keys.size) {
        const reply = await api.activeJobs(cachePath);
        for (const job of reply?.jobs ?? []) if (keys.has(job.key) && JOB_ID.test(job.id)) ids.add(job.id);
      }
      if (ids.size) await api.cancelMany({ cache: cachePath, jobs: [...ids] });
    } catch (err) {
      fail(request, err);
    }
  }

  return {
    /**
     * Act on one kernel message; false when it is not a server request (or already handled).
     * @param {any} msg
     */
    handle(msg) {
      if (disposed || msg === null || typeof msg !== "object" || msg.kind !== "server-request") return false;
      const request = typeof msg.request === "string" ? msg.request : "";
      if (handled.has(request)) return false;
      handled.add(request);
      if (handled.size > MAX_HANDLED) handled.delete(handled.values().next().value);
      if (msg.action === "enqueue" && msg.plan) inOrder(() => enqueue(request, msg.plan));
      else if (msg.action === "cancel") inOrder(() => cancel(request, { all: msg.all === true, jobs: strings(msg.jobs), keys: strings(msg.keys) }));
      else return false;
      return true;
    },
    dispose() {
      disposed = true;
    },
  };
}

/** @param {unknown} value @returns {string[]} */
const strings = (value) => (Array.isArray(value) ? value.filter((v) => typeof v === "string") : []);
