import { describe, expect, it } from "vitest";
import { createServerLink } from "../../src/cache_browser/cache_server.js";

const A = "a".repeat(32);
const B = "b".repeat(32);
const C = "c".repeat(32);
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** @import { JobJson } from "../../src/cache_browser/server_api.js" */

/** @type {JobJson[]} */
const ACTIVE = [
  { id: A, key: "k/a.nwb", state: "running" },
  { id: B, key: "k/b.nwb", state: "queued" },
];

/** A fake of the REST client: records each call, answers like the server. */
function fakeApi(active = ACTIVE) {
  /** @type {string[]} */
  const log = [];
  let refuse = "";
  return {
    log,
    refuse: (/** @type {string} */ message) => void (refuse = message),
    enqueue: async (/** @type {any} */ plan) => {
      log.push(`POST downloads ${plan.files.join(",")}`);
      if (refuse) throw new Error(refuse);
      return { batch: { id: C }, jobs: [] };
    },
    activeJobs: async (/** @type {string} */ cache) => {
      log.push(`GET downloads?cache=${cache}&state=queued,running`);
      return { jobs: active };
    },
    cancelMany: async (/** @type {{ cache: string, jobs?: string[] }} */ body) => {
      log.push(`POST cancel ${body.jobs ? body.jobs.join(",") : "all"}`);
      return { cancelled: body.jobs?.length ?? 2, finished: 0, unknown: [] };
    },
  };
}

describe("createServerLink", () => {
  it("makes one server call per kernel request and answers with the batch", async () => {
    const api = fakeApi();
    /** @type {any[]} */
    const answers = [];
    const link = createServerLink({ api, cachePath: "/c", answer: (a) => answers.push(a) });
    const plan = { cache: "/c", manifest: "m", files: ["units", 7] };
    expect(link.handle({ kind: "server-request", request: "r1", action: "enqueue", plan })).toBe(true);
    expect(link.handle({ kind: "server-request", request: "r1", action: "enqueue", plan })).toBe(false); // a second view
    await tick();
    expect(api.log).toEqual(["POST downloads units,7"]);
    expect(answers).toEqual([{ request: "r1", batch: C }]);
    expect(link.handle({ kind: "something-else" })).toBe(false);
    link.dispose();
  });

  it("cancels everything, or jobs by id and by file, each with one call", async () => {
    const api = fakeApi();
    const link = createServerLink({ api, cachePath: "/c", answer: () => {} });
    link.handle({ kind: "server-request", request: "c1", action: "cancel", all: true });
    await tick();
    expect(api.log).toEqual(["POST cancel all"]);
    link.handle({ kind: "server-request", request: "c2", action: "cancel", jobs: [C, "not-an-id"], keys: ["k/b.nwb"] });
    await tick();
    await tick();
    expect(api.log.slice(1)).toEqual(["GET downloads?cache=/c&state=queued,running", `POST cancel ${C},${B}`]);
    link.handle({ kind: "server-request", request: "c3", action: "cancel", jobs: [], keys: ["k/none.nwb"] });
    await tick();
    await tick();
    expect(api.log.at(-1)).toBe("GET downloads?cache=/c&state=queued,running"); // nothing to cancel: no POST
    link.dispose();
  });

  it("keeps the kernel's order: a cancel waits for the enqueue before it", async () => {
    const api = fakeApi();
    /** @type {(v?: any) => void} */
    let release = () => {};
    const slow = { ...api, enqueue: (/** @type {any} */ plan) => new Promise((resolve) => (release = () => resolve(api.enqueue(plan)))) };
    const link = createServerLink({ api: slow, cachePath: "/c", answer: () => {} });
    link.handle({ kind: "server-request", request: "order-e1", action: "enqueue", plan: { cache: "/c", manifest: "m", files: [1] } });
    link.handle({ kind: "server-request", request: "order-c1", action: "cancel", all: true });
    await tick();
    expect(api.log).toEqual([]);
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(api.log).toEqual(["POST downloads 1", "POST cancel all"]);
    link.dispose();
  });

  it("answers a refused request with the server's message", async () => {
    const api = fakeApi();
    api.refuse("manifest: m is not in /c");
    /** @type {any[]} */
    const answers = [];
    const link = createServerLink({ api, cachePath: "/c", answer: (a) => answers.push(a) });
    link.handle({ kind: "server-request", request: "r9", action: "enqueue", plan: { cache: "/c", manifest: "m", files: [1] } });
    await tick();
    expect(answers).toEqual([{ request: "r9", error: "manifest: m is not in /c" }]);
    link.dispose();
  });
});
