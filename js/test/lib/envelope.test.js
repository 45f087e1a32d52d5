import { afterEach, describe, expect, it, vi } from "vitest";
import { createEnvelope, RequestError } from "../../src/lib/envelope.js";
import { fakeModel } from "../fake_model.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("createEnvelope", () => {
  it("sends kind and a fresh string id, and resolves on <kind>:ok with the same id", async () => {
    const model = fakeModel({});
    const env = createEnvelope(model, { prefix: "t" });
    const first = env.request("page", { offset: 0, limit: 100 });
    const second = env.request("page", { offset: 100, limit: 100 });
    const [a, b] = model.sentOf("page");
    expect(a).toEqual({ kind: "page", id: "t-1", offset: 0, limit: 100 });
    expect(b.id).toBe("t-2");
    const buffers = [new DataView(new ArrayBuffer(4))];
    model.receive({ kind: "page:ok", id: "t-2", n_rows: 1 }, buffers);
    model.receive({ kind: "page:ok", id: "t-1", n_rows: 2 });
    expect((await second).content.n_rows).toBe(1);
    expect((await second).buffers).toBe(buffers);
    expect((await first).content.n_rows).toBe(2);
    expect(env.pending).toBe(0);
  });

  it("ignores unknown kinds, unknown ids, non-objects and replies of another kind", async () => {
    const model = fakeModel({});
    const env = createEnvelope(model, { prefix: "t" });
    const done = vi.fn();
    env.request("sort", { keys: [] }).then(done);
    model.receive({ kind: "progress", id: "t-1" });
    model.receive({ kind: "sort:ok", id: "other-1" });
    model.receive({ kind: "page:ok", id: "t-1" });
    model.receive("not an object");
    model.receive(null);
    model.receive({ kind: "error", id: null, message: "who?" });
    await Promise.resolve();
    expect(done).not.toHaveBeenCalled();
    expect(env.pending).toBe(1);
    model.receive({ kind: "sort:ok", id: "t-1" });
    await vi.waitFor(() => expect(done).toHaveBeenCalled());
  });

  it("rejects on an error reply with its message", async () => {
    const model = fakeModel({});
    const env = createEnvelope(model, { prefix: "t" });
    const pending = env.request("set-filter", { filter: {} });
    model.receive({ kind: "error", id: "t-1", message: "no column 'x'" });
    await expect(pending).rejects.toMatchObject({ name: "RequestError", code: "error", message: "no column 'x'" });
  });

  it("times out through an AbortSignal (default 30 s) and forgets the request", async () => {
    vi.useFakeTimers();
    const model = fakeModel({});
    const env = createEnvelope(model, { prefix: "t" });
    const pending = env.request("summary", { columns: ["a"] });
    const outcome = pending.catch((e) => e);
    vi.advanceTimersByTime(29_999);
    expect(env.pending).toBe(1);
    vi.advanceTimersByTime(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(RequestError);
    expect(err.code).toBe("timeout");
    expect(env.pending).toBe(0);
    model.receive({ kind: "summary:ok", id: "t-1" }); // late reply: ignored
  });

  it("honours a caller's signal and a per-request timeout", async () => {
    vi.useFakeTimers();
    const model = fakeModel({});
    const env = createEnvelope(model, { prefix: "t" });
    const controller = new AbortController();
    const aborted = env.request("summary", {}, { signal: controller.signal }).catch((e) => e.code);
    controller.abort();
    expect(await aborted).toBe("abort");
    const quick = env.request("page", {}, { timeout: 10 }).catch((e) => e.code);
    vi.advanceTimersByTime(10);
    expect(await quick).toBe("timeout");
    const already = AbortSignal.abort();
    expect(await env.request("page", {}, { signal: already }).catch((e) => e.code)).toBe("abort");
  });

  it("gives different views different ids", () => {
    const model = fakeModel({});
    createEnvelope(model).request("page").catch(() => {});
    createEnvelope(model).request("page").catch(() => {});
    const [a, b] = model.sentOf("page");
    expect(a.id).not.toBe(b.id);
    expect(a.id.length).toBeLessThanOrEqual(64);
  });

  it("dispose() rejects every pending request and stops listening", async () => {
    const model = fakeModel({});
    const env = createEnvelope(model);
    const a = env.request("page").catch((e) => e.code);
    const b = env.request("summary").catch((e) => e.code);
    expect(model.listenerCount()).toBe(1);
    env.dispose();
    expect(await a).toBe("disposed");
    expect(await b).toBe("disposed");
    expect(model.listenerCount()).toBe(0);
    expect(await env.request("page").catch((e) => e.code)).toBe("disposed");
    env.dispose();
  });
});
