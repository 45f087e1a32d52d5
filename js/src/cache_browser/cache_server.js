// The cache browser's side of the Jupyter server's download manager (lib/server_api.js): enqueue
// plans, cancel jobs, and poll the cache's jobs every `intervalMs` while any is queued or running,
// handing each listing to `onJobs` (the entry forwards it to Python as `server-jobs`).

/** @import { JobInfo, Plan } from "./cache_tree.js" */
import { ACTIVE_STATES } from "./cache_tree.js";

/** @typedef {{ enqueue(plan: Plan): Promise<any>, jobs(cachePath: string): Promise<any>, cancel(jobId: string): Promise<any> }} JobsApi */

export const POLL_MS = 500;

/**
 * @param {object} options
 * @param {JobsApi} options.api
 * @param {string} options.cachePath
 * @param {(jobs: JobInfo[]) => void} options.onJobs
 * @param {(message: string) => void} options.onError
 * @param {number} [options.intervalMs]
 */
export function createServerLink({ api, cachePath, onJobs, onError, intervalMs = POLL_MS }) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let disposed = false;
  let polling = false;
  let again = false;

  const report = (/** @type {any} */ err) => {
    if (!disposed) onError(String(err?.message ?? err));
  };

  /** Fetch the jobs now; keep polling while any is active. Overlapping calls coalesce. */
  async function poll() {
    if (disposed) return;
    if (polling) {
      again = true;
      return;
    }
    clearTimeout(timer);
    timer = undefined;
    polling = true;
    let active = false;
    try {
      const reply = await api.jobs(cachePath);
      const jobs = Array.isArray(reply?.jobs) ? reply.jobs : [];
      active = jobs.some((/** @type {JobInfo} */ j) => ACTIVE_STATES.has(j.state));
      if (!disposed) onJobs(jobs);
    } catch (err) {
      report(err);
    } finally {
      polling = false;
    }
    if (disposed) return;
    if (again) {
      again = false;
      return poll();
    }
    if (active) timer = setTimeout(poll, intervalMs);
  }

  return {
    poll,
    /** @param {Plan} plan */
    async enqueue(plan) {
      try {
        await api.enqueue(plan);
      } catch (err) {
        report(err);
      }
      await poll();
    },
    /** @param {string[]} ids */
    async cancel(ids) {
      await Promise.all(ids.map((id) => api.cancel(id).catch(report)));
      await poll();
    },
    dispose() {
      disposed = true;
      clearTimeout(timer);
      timer = undefined;
    },
    get polling() {
      return timer !== undefined || polling;
    },
  };
}
