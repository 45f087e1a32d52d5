import { describe, expect, it, vi } from "vitest";
import { RequestError } from "../../src/lib/envelope.js";
import { createPageLoader } from "../../src/table_explorer/page_loader.js";

/** A fetch whose replies the test settles by hand. */
function manualFetch() {
  /** @type {{ fields: { offset: number, limit: number }, resolve: (r: any) => void, reject: (e: Error) => void }[]} */
  const calls = [];
  /** @param {{ offset: number, limit: number }} fields */
  const fetch = (fields) => new Promise((resolve, reject) => calls.push({ fields, resolve, reject }));
  /** @param {number} i @param {number} revision */
  const answer = (i, revision) =>
    calls[i].resolve({ content: { revision, offset: calls[i].fields.offset, total: 1000, n_rows: 0, columns: [] }, buffers: [] });
  return { fetch, calls, answer };
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("createPageLoader", () => {
  it("asks once per page and revision, and caches the reply", async () => {
    const { fetch, calls, answer } = manualFetch();
    const onLoaded = vi.fn();
    const loader = createPageLoader({ fetch, revision: 0, onLoaded });
    loader.ensure([0, 1]);
    loader.ensure([1, 2]);
    expect(calls.map((c) => c.fields)).toEqual([
      { offset: 0, limit: 100 },
      { offset: 100, limit: 100 },
      { offset: 200, limit: 100 },
    ]);
    answer(1, 0);
    await tick();
    expect(onLoaded).toHaveBeenCalledTimes(1);
    expect(loader.display(1)?.stale).toBe(false);
    loader.ensure([1]);
    expect(calls).toHaveLength(3);
  });

  it("re-asks after a revision change and drops replies of older revisions", async () => {
    const { fetch, calls, answer } = manualFetch();
    const loader = createPageLoader({ fetch, revision: 0, onLoaded: () => {} });
    loader.ensure([0]);
    answer(0, 0);
    await tick();
    loader.ensure([3]);
    loader.setRevision(1);
    expect(loader.display(0)?.stale).toBe(true); // kept as a fallback
    loader.ensure([0, 3]);
    expect(calls).toHaveLength(4); // page 3 asked again although the first ask is pending
    answer(1, 0); // the old ask for page 3 lands: stale
    await tick();
    expect(loader.display(3)).toBeUndefined();
    answer(3, 1);
    answer(2, 1);
    await tick();
    expect(loader.display(3)?.stale).toBe(false);
    expect(loader.display(0)?.stale).toBe(false);
    expect(loader.revision).toBe(1);
  });

  it("does not retry refused pages until told, but retries after a timeout", async () => {
    const { fetch, calls } = manualFetch();
    const loader = createPageLoader({ fetch, revision: 0, onLoaded: () => {} });
    loader.ensure([5, 6]);
    calls[0].reject(new RequestError("offset out of range", "error"));
    calls[1].reject(new RequestError("timed out", "timeout"));
    await tick();
    loader.ensure([5, 6]);
    expect(calls.map((c) => c.fields.offset)).toEqual([500, 600, 600]);
    loader.retryFailed();
    loader.ensure([5]);
    expect(calls).toHaveLength(4);
    loader.reset();
    loader.ensure([6]);
    expect(calls).toHaveLength(5);
  });
});
