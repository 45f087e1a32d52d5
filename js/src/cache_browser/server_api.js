// Client for the vbn-widgets Jupyter server extension (REST API under `{baseUrl}vbn-widgets/api/`).
// Same origin only: the base URL comes from the page's own Jupyter config and must be a plain path
// ("/", "/user/ada/"), so every request goes back to the server that served the page. Auth is
// Jupyter's: `Authorization: token <t>` when the page config carries a token, the session cookie
// (credentials "same-origin") and the `_xsrf` cookie echoed as X-XSRFToken on non-GET requests.

/** @import { Plan } from "./shapes.js" */
/** @import { JobState } from "./jobs.js" */
import { JOB_ID } from "./jobs.js";

/** @typedef {{ baseUrl: string, token: string }} PageConfig */
/** A job as the server answers it (its fields are jobs.js VOCABULARY.job_fields); the page only reads these. */
/** @typedef {{ id: string, key: string, state: JobState }} JobJson */
/** @typedef {{ id: string }} BatchJson */
/** @typedef {{ cache: string, jobs?: string[] }} CancelBody */
/** @typedef {{ cancelled: number, finished: number, unknown: string[] }} CancelAnswer */

/** @typedef {{ version: string, api?: number, cache_roots: string[], max_workers: number }} ServerStatus */
/** @typedef {{ kind: "s3", bucket: string, endpoint_url: string | null, region: string } | { kind: "mirror", root: string }} SourceSpec */
/** @typedef {{ path: string, manifests: string[], current: string | null, source: SourceSpec | null, jobs: JobJson[] }} CacheInfo */
/** @typedef {ServerStatus & { cache: CacheInfo }} ServerInfo */
/** @typedef {{ doc?: Document, fetchImpl?: typeof fetch, timeoutMs?: number }} DetectOptions */

export const API_PATH = "vbn-widgets/api/";
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DETECT_TIMEOUT_MS = 5_000;
export const MAX_PATH = 4096;
export const MAX_FILES = 5000;
export const MAX_IDS = 10000;
/** The REST API version with batches, bulk cancel and the job board (server/manager.py API_VERSION). */
export const API_VERSION = 2;

/** A failed call: `status` is the HTTP status, or 0 when no answer came (network, bad input). */
export class ServerApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.name = "ServerApiError";
    this.status = status;
  }
}

/**
 * `baseUrl` normalised to end in "/", or null unless it is a same-origin absolute path.
 * @param {unknown} value
 * @returns {string | null}
 */
export function sameOriginBase(value) {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//")) return null;
  // Backslashes and control characters can turn a path into another origin in URL parsing.
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f?#]/.test(value)) return null;
  const probe = new URL(value, "http://page.invalid");
  if (probe.origin !== "http://page.invalid") return null;
  return value.endsWith("/") ? value : `${value}/`;
}

/**
 * The page's Jupyter config (JupyterLab, Notebook 7), or null outside a Jupyter page.
 * @param {Document} [doc]
 * @returns {PageConfig | null}
 */
export function readPageConfig(doc = globalThis.document) {
  const el = doc?.getElementById("jupyter-config-data");
  if (!el) return null;
  /** @type {any} */
  let data;
  try {
    data = JSON.parse(el.textContent ?? "");
  } catch {
    return null;
  }
  if (data === null || typeof data !== "object") return null;
  const baseUrl = sameOriginBase(data.baseUrl);
  if (baseUrl === null) return null;
  return { baseUrl, token: typeof data.token === "string" ? data.token : "" };
}

/**
 * The `_xsrf` cookie tornado sets, as JupyterLab's ServerConnection reads it (value unchanged).
 * @param {Document} [doc]
 * @returns {string | null}
 */
export function xsrfToken(doc = globalThis.document) {
  let cookies = "";
  try {
    cookies = doc?.cookie ?? "";
  } catch {
    return null; // sandboxed documents throw on cookie access
  }
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === "_xsrf") return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/**
 * @param {unknown} value
 * @param {string} field
 */
function checkPath(value, field) {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_PATH) {
    throw new ServerApiError(`${field} must be a non-empty string of at most ${MAX_PATH} characters`, 0);
  }
  return value;
}

/**
 * @param {unknown} plan
 * @returns {Plan}
 */
function checkPlan(plan) {
  if (plan === null || typeof plan !== "object") throw new ServerApiError("plan must be an object", 0);
  const { cache, manifest, files } = /** @type {Record<string, unknown>} */ (plan);
  checkPath(cache, "plan.cache");
  if (typeof manifest !== "string" || manifest.length === 0 || manifest.length > 255) {
    throw new ServerApiError("plan.manifest must be a manifest file name", 0);
  }
  if (!Array.isArray(files) || files.length === 0 || files.length > MAX_FILES) {
    throw new ServerApiError(`plan.files must be a list of 1 to ${MAX_FILES} files`, 0);
  }
  files.forEach((ref, i) => {
    const ok =
      (typeof ref === "string" && ref.length > 0 && ref.length <= 255) ||
      (typeof ref === "number" && Number.isSafeInteger(ref) && ref >= 0);
    if (!ok) throw new ServerApiError(`plan.files[${i}] must be a table name or a file id`, 0);
  });
  return { cache: /** @type {string} */ (cache), manifest, files };
}

/**
 * The REST client. Every method returns a Promise of the parsed JSON answer and rejects with a
 * ServerApiError (`status` 0 for bad input or no answer).
 * @param {PageConfig} page
 * @param {typeof fetch} [fetchImpl]
 * @param {{ timeoutMs?: number }} [options]
 */
export function createServerApi(page, fetchImpl = globalThis.fetch, options = {}) {
  const base = sameOriginBase(page?.baseUrl);
  if (base === null) throw new TypeError(`baseUrl must be a same-origin path, got ${JSON.stringify(page?.baseUrl)}`);
  if (typeof fetchImpl !== "function") throw new TypeError("no fetch implementation");
  const token = typeof page.token === "string" ? page.token : "";
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const root = `${base}${API_PATH}`;

  /**
   * @param {"GET" | "POST" | "DELETE"} method
   * @param {string} path already encoded
   * @param {{ query?: Record<string, string>, body?: unknown }} [parts]
   * @returns {Promise<any>}
   */
  async function call(method, path, { query, body } = {}) {
    let url = root + path;
    if (query) {
      const pairs = Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
      url += `?${pairs.join("&")}`;
    }
    /** @type {Record<string, string>} */
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `token ${token}`;
    if (method !== "GET") {
      const xsrf = xsrfToken();
      if (xsrf) headers["X-XSRFToken"] = xsrf;
    }
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    /** @type {Response} */
    let response;
    let text;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        credentials: "same-origin",
        cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      text = await response.text();
    } catch (err) {
      const why = controller.signal.aborted ? `no answer within ${timeoutMs} ms` : String(err);
      throw new ServerApiError(`${method} ${url} failed: ${why}`, 0);
    } finally {
      clearTimeout(timer);
    }
    /** @type {any} */
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const message = typeof data?.message === "string" && data.message ? data.message : response.statusText;
      throw new ServerApiError(message || `${method} ${url} answered ${response.status}`, response.status);
    }
    if (data === null || typeof data !== "object") {
      throw new ServerApiError(`${method} ${url} did not answer a JSON object`, response.status);
    }
    return data;
  }

  return {
    /** @returns {Promise<ServerStatus>} */
    status: () => call("GET", "status"),
    /** @param {string} path @returns {Promise<CacheInfo>} */
    cache: async (path) => call("GET", "cache", { query: { path: checkPath(path, "path") } }),
    /**
     * One batch for the whole plan; the answer is the batch alone (300 bytes, not 3 MB of jobs:
     * the kernel follows the jobs on the job board).
     * @param {Plan} plan
     * @returns {Promise<{ batch: BatchJson }>}
     */
    enqueue: async (plan) => call("POST", "downloads", { body: { ...checkPlan(plan), answer: "batch" } }),
    /** @param {string} cachePath @returns {Promise<{ jobs: JobJson[] }>} */
    jobs: async (cachePath) => call("GET", "downloads", { query: { cache: checkPath(cachePath, "cache") } }),
    /** The queued and running jobs of a cache. @param {string} cachePath @returns {Promise<{ jobs: JobJson[] }>} */
    activeJobs: async (cachePath) => call("GET", "downloads", { query: { cache: checkPath(cachePath, "cache"), state: "queued,running" } }),
    /**
     * Cancel every queued and running job of a cache (no `jobs`), or the listed ones: one request.
     * @param {CancelBody} body
     * @returns {Promise<CancelAnswer>}
     */
    cancelMany: async (body) => {
      /** @type {CancelBody} */
      const checked = { cache: checkPath(body?.cache, "cache") };
      if (body.jobs !== undefined) {
        if (!Array.isArray(body.jobs) || body.jobs.length > MAX_IDS || !body.jobs.every((j) => typeof j === "string" && JOB_ID.test(j))) {
          throw new ServerApiError(`jobs must be a list of at most ${MAX_IDS} job ids`, 0);
        }
        checked.jobs = body.jobs;
      }
      return call("POST", "cancel", { body: checked });
    },
    /** @param {string} jobId @returns {Promise<JobJson>} */
    cancel: async (jobId) => {
      if (typeof jobId !== "string" || !JOB_ID.test(jobId)) {
        throw new ServerApiError(`job id must be 32 lowercase hex characters, got ${JSON.stringify(jobId)}`, 0);
      }
      return call("DELETE", `downloads/${encodeURIComponent(jobId)}`);
    },
  };
}

/** @typedef {ReturnType<typeof createServerApi>} ServerApi */

/**
 * Is the server's download manager usable for this cache folder? Never rejects.
 * @param {string} cachePath the kernel's cache folder (absolute)
 * @param {DetectOptions} [options]
 * @returns {Promise<{ api: ServerApi, info: ServerInfo } | { api: null, reason: string }>}
 */
export async function detectServer(cachePath, options = {}) {
  const page = readPageConfig(options.doc);
  if (page === null) return { api: null, reason: "not a Jupyter page (no jupyter-config-data)" };
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") return { api: null, reason: "this browser has no fetch" };
  const api = createServerApi(page, fetchImpl, { timeoutMs: options.timeoutMs ?? DETECT_TIMEOUT_MS });
  /** @type {ServerStatus} */
  let status;
  try {
    status = await api.status();
  } catch (err) {
    const e = /** @type {ServerApiError} */ (err);
    if (e.status === 404) return { api: null, reason: "the vbn_widgets server extension is not enabled" };
    return { api: null, reason: `server extension unavailable: ${e.message}` };
  }
  if (!Array.isArray(status.cache_roots)) return { api: null, reason: "unexpected status answer" };
  if ((status.api ?? 1) < API_VERSION) {
    return { api: null, reason: `the Jupyter server's vbn_widgets ${status.version} is older than this kernel's: restart JupyterLab` };
  }
  /** @type {CacheInfo} */
  let cache;
  try {
    cache = await api.cache(cachePath);
  } catch (err) {
    const e = /** @type {ServerApiError} */ (err);
    if (e.status === 403) {
      return { api: null, reason: `${cachePath} is outside the server's cache_roots (${status.cache_roots.join(", ")})` };
    }
    if (e.status === 404) return { api: null, reason: `the Jupyter server cannot see ${cachePath}` };
    return { api: null, reason: `cache check failed: ${e.message}` };
  }
  if (cache.source === null || typeof cache.source !== "object") {
    return { api: null, reason: `no download source is recorded for ${cachePath}` };
  }
  // Later calls use the normal timeout; detection only waits briefly.
  return { api: createServerApi(page, fetchImpl), info: { ...status, cache } };
}
