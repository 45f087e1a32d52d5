// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createServerApi,
  detectServer,
  readPageConfig,
  sameOriginBase,
  ServerApiError,
  xsrfToken,
} from "../../src/cache_browser/server_api.js";

const JOB = "0123456789abcdef0123456789abcdef";

/** @typedef {{ url: string, init: RequestInit }} Call */
/** @typedef {(url: string, init: RequestInit) => { status?: number, body?: unknown, statusText?: string }} Route */

/**
 * A fetch that records every call and answers through `route`.
 * @param {Route} route
 */
function fakeFetch(route) {
  /** @type {Call[]} */
  const calls = [];
  const impl = /** @type {typeof fetch} */ (
    /** @type {unknown} */ (
      async (/** @type {string} */ url, /** @type {RequestInit} */ init) => {
        calls.push({ url, init });
        const { status = 200, body = {}, statusText = "" } = route(url, init);
        const text = typeof body === "string" ? body : JSON.stringify(body);
        return { ok: status >= 200 && status < 300, status, statusText, text: async () => text };
      }
    )
  );
  return { impl, calls };
}

/** @param {Record<string, unknown> | string | null} config */
function setPageConfig(config) {
  document.getElementById("jupyter-config-data")?.remove();
  if (config === null) return;
  const script = document.createElement("script");
  script.id = "jupyter-config-data";
  script.type = "application/json";
  script.textContent = typeof config === "string" ? config : JSON.stringify(config);
  document.head.appendChild(script);
}

/** @param {Call} call */
const headersOf = (call) => /** @type {Record<string, string>} */ (call.init.headers);

function clearCookies() {
  for (const part of document.cookie.split(";")) {
    const name = part.split("=")[0].trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT`;
  }
}

beforeEach(() => {
  clearCookies();
  setPageConfig({ baseUrl: "/user/ada/", token: "s3cret" });
  document.cookie = "other=1";
  document.cookie = "_xsrf=2|abc|def|123";
});

afterEach(() => {
  setPageConfig(null);
  clearCookies();
  vi.useRealTimers();
});

describe("readPageConfig / xsrfToken", () => {
  it("reads baseUrl and token from the page's jupyter-config-data", () => {
    expect(readPageConfig()).toEqual({ baseUrl: "/user/ada/", token: "s3cret" });
    setPageConfig({ baseUrl: "/lab", token: 7 });
    expect(readPageConfig()).toEqual({ baseUrl: "/lab/", token: "" });
  });

  it("is null outside Jupyter, on bad JSON and on a base URL of another origin", () => {
    setPageConfig(null);
    expect(readPageConfig()).toBeNull();
    setPageConfig("{not json");
    expect(readPageConfig()).toBeNull();
    for (const baseUrl of ["https://evil.example/", "//evil.example/", "/\\evil.example/", "lab/", "/a?b", 3]) {
      setPageConfig({ baseUrl, token: "t" });
      expect(readPageConfig(), String(baseUrl)).toBeNull();
    }
    expect(sameOriginBase("/")).toBe("/");
    expect(sameOriginBase("/\tx")).toBeNull();
  });

  it("reads the _xsrf cookie unchanged, null without it", () => {
    expect(xsrfToken()).toBe("2|abc|def|123");
    clearCookies();
    expect(xsrfToken()).toBeNull();
  });
});

describe("createServerApi", () => {
  it("sends the token, same-origin credentials and no XSRF header on GET", async () => {
    const { impl, calls } = fakeFetch(() => ({ body: { version: "0.1.0", cache_roots: ["/c"], max_workers: 2 } }));
    const api = createServerApi(/** @type {any} */ (readPageConfig()), impl);
    expect(await api.status()).toEqual({ version: "0.1.0", cache_roots: ["/c"], max_workers: 2 });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe("/user/ada/vbn-widgets/api/status");
    expect(calls[0].init.method).toBe("GET");
    expect(calls[0].init.credentials).toBe("same-origin");
    expect(headersOf(calls[0]).Authorization).toBe("token s3cret");
    expect(headersOf(calls[0])["X-XSRFToken"]).toBeUndefined();
    expect(calls[0].init.body).toBeUndefined();
  });

  it("omits Authorization when the page has no token (cookie auth)", async () => {
    const { impl, calls } = fakeFetch(() => ({ body: { jobs: [] } }));
    const api = createServerApi({ baseUrl: "/", token: "" }, impl);
    await api.jobs("/data/cache");
    expect(headersOf(calls[0]).Authorization).toBeUndefined();
  });

  it("encodes paths in query strings", async () => {
    const { impl, calls } = fakeFetch(() => ({ body: { jobs: [] } }));
    const api = createServerApi({ baseUrl: "/", token: "t" }, impl);
    await api.cache("/data/my cache/a&b=c?#%");
    await api.jobs("/data/../etc/ü");
    expect(calls[0].url).toBe("/vbn-widgets/api/cache?path=%2Fdata%2Fmy%20cache%2Fa%26b%3Dc%3F%23%25");
    expect(calls[1].url).toBe("/vbn-widgets/api/downloads?cache=%2Fdata%2F..%2Fetc%2F%C3%BC");
  });

  it("POSTs the plan as JSON with the XSRF header and only the known keys", async () => {
    const { impl, calls } = fakeFetch(() => ({ status: 202, body: { batch: { id: JOB } } }));
    const api = createServerApi({ baseUrl: "/", token: "t" }, impl);
    const plan = { cache: "/c", manifest: "m_v0.5.0.json", files: ["units", 12], extra: 1 };
    expect(await api.enqueue(plan)).toEqual({ batch: { id: JOB } });
    const [call] = calls;
    expect(call.url).toBe("/vbn-widgets/api/downloads");
    expect(call.init.method).toBe("POST");
    expect(headersOf(call)["Content-Type"]).toBe("application/json");
    expect(headersOf(call)["X-XSRFToken"]).toBe("2|abc|def|123");
    expect(headersOf(call).Authorization).toBe("token t");
    expect(JSON.parse(String(call.init.body))).toEqual({ cache: "/c", manifest: "m_v0.5.0.json", files: ["units", 12], answer: "batch" });
  });

  it("DELETEs a job with the XSRF header; refuses a malformed id without a request", async () => {
    const { impl, calls } = fakeFetch(() => ({ body: { id: JOB, state: "cancelled" } }));
    const api = createServerApi({ baseUrl: "/", token: "" }, impl);
    expect(await api.cancel(JOB)).toEqual({ id: JOB, state: "cancelled" });
    expect(calls[0].url).toBe(`/vbn-widgets/api/downloads/${JOB}`);
    expect(calls[0].init.method).toBe("DELETE");
    expect(headersOf(calls[0])["X-XSRFToken"]).toBe("2|abc|def|123");
    for (const bad of ["../status", `${JOB}0`, JOB.toUpperCase(), "", 5]) {
      await expect(api.cancel(/** @type {any} */ (bad))).rejects.toMatchObject({ status: 0 });
    }
    expect(calls).toHaveLength(1);
  });

  it("refuses bad plans and paths before any request, naming the field", async () => {
    const { impl, calls } = fakeFetch(() => ({ body: {} }));
    const api = createServerApi({ baseUrl: "/", token: "" }, impl);
    const cases = [
      [{ cache: "", manifest: "m", files: ["units"] }, "plan.cache"],
      [{ cache: "/c", manifest: 3, files: ["units"] }, "plan.manifest"],
      [{ cache: "/c", manifest: "m", files: [] }, "plan.files"],
      [{ cache: "/c", manifest: "m", files: new Array(5001).fill(1) }, "plan.files"],
      [{ cache: "/c", manifest: "m", files: ["units", -1] }, "plan.files[1]"],
      [{ cache: "/c", manifest: "m", files: [{}] }, "plan.files[0]"],
    ];
    for (const [plan, field] of cases) {
      await expect(api.enqueue(/** @type {any} */ (plan))).rejects.toThrow(String(field));
    }
    await expect(api.cache("x".repeat(4097))).rejects.toThrow("path");
    await expect(api.jobs(/** @type {any} */ (null))).rejects.toThrow("cache");
    expect(calls).toHaveLength(0);
  });

  it("rejects non-2xx answers with ServerApiError carrying the server's message", async () => {
    const { impl } = fakeFetch((url) =>
      url.includes("cache")
        ? { status: 403, body: { message: "/etc is outside the cache roots", reason: null } }
        : { status: 502, body: "<html>bad gateway</html>", statusText: "Bad Gateway" },
    );
    const api = createServerApi({ baseUrl: "/", token: "" }, impl);
    const denied = api.cache("/etc");
    await expect(denied).rejects.toBeInstanceOf(ServerApiError);
    await expect(denied).rejects.toMatchObject({ status: 403, message: "/etc is outside the cache roots" });
    await expect(api.status()).rejects.toMatchObject({ status: 502, message: "Bad Gateway" });
  });

  it("turns a network failure and a hung request into status 0 errors", async () => {
    const failing = /** @type {typeof fetch} */ (async () => Promise.reject(new TypeError("Failed to fetch")));
    await expect(createServerApi({ baseUrl: "/", token: "" }, failing).status()).rejects.toMatchObject({
      status: 0,
      message: expect.stringContaining("Failed to fetch"),
    });
    vi.useFakeTimers();
    const hanging = /** @type {typeof fetch} */ (
      (_url, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(new Error("aborted"))))
    );
    const pending = createServerApi({ baseUrl: "/", token: "" }, hanging, { timeoutMs: 1000 }).status();
    const check = expect(pending).rejects.toMatchObject({ status: 0, message: expect.stringContaining("1000 ms") });
    await vi.advanceTimersByTimeAsync(1000);
    await check;
  });

  it("refuses to be built for another origin", () => {
    const { impl } = fakeFetch(() => ({}));
    expect(() => createServerApi({ baseUrl: "https://evil.example/", token: "" }, impl)).toThrow(TypeError);
    expect(() => createServerApi({ baseUrl: "//evil.example/", token: "" }, impl)).toThrow(TypeError);
  });
});

describe("detectServer", () => {
  const status = { version: "0.1.0", api: 2, cache_roots: ["/data"], max_workers: 2 };
  const cacheInfo = {
    path: "/data/cache",
    manifests: ["m_v0.5.0.json"],
    current: "m_v0.5.0.json",
    source: { kind: "mirror", root: "/mirror" },
    jobs: [],
  };

  it("returns the api and the server's status and cache info", async () => {
    const { impl, calls } = fakeFetch((url) => ({ body: url.endsWith("status") ? status : cacheInfo }));
    const found = await detectServer("/data/cache", { fetchImpl: impl });
    expect(found.api).not.toBeNull();
    if (found.api === null) throw new Error("unreachable");
    expect(found.info).toEqual({ ...status, cache: cacheInfo });
    expect(calls.map((c) => c.url)).toEqual([
      "/user/ada/vbn-widgets/api/status",
      "/user/ada/vbn-widgets/api/cache?path=%2Fdata%2Fcache",
    ]);
    await found.api.jobs("/data/cache");
    expect(calls[2].url).toBe("/user/ada/vbn-widgets/api/downloads?cache=%2Fdata%2Fcache");
  });

  it("explains why the server cannot be used", async () => {
    setPageConfig(null);
    const none = fakeFetch(() => ({ body: status }));
    expect(await detectServer("/c", { fetchImpl: none.impl })).toEqual({
      api: null,
      reason: expect.stringContaining("not a Jupyter page"),
    });
    expect(none.calls).toHaveLength(0);
    setPageConfig({ baseUrl: "/", token: "" });

    /** @param {Route} route */
    const reason = async (route) => {
      const result = await detectServer("/data/cache", { fetchImpl: fakeFetch(route).impl });
      expect(result.api).toBeNull();
      return "reason" in result ? result.reason : "";
    };
    expect(await reason(() => ({ status: 404, body: { message: "Not Found" } }))).toContain("not enabled");
    expect(await reason(() => ({ body: { ...status, api: undefined } }))).toContain("older than this kernel's");
    expect(await reason((u) => (u.endsWith("status") ? { body: status } : { status: 403, body: { message: "x" } }))).toContain(
      "outside the server's cache_roots (/data)",
    );
    expect(await reason((u) => (u.endsWith("status") ? { body: status } : { status: 404, body: { message: "x" } }))).toContain(
      "cannot see /data/cache",
    );
    expect(await reason((u) => ({ body: u.endsWith("status") ? status : { ...cacheInfo, source: null } }))).toContain(
      "no download source",
    );
    expect(await reason(() => ({ status: 500, body: { message: "boom" } }))).toContain("boom");
  });
});
