// Fetches the pages a window of rows needs, at most one request per page and revision, into a
// PageCache. Replies computed at an older revision are dropped (and the page asked for again if
// still needed); a page Python refused is not retried until the revision or row count changes.

/** @import { Reply } from "../lib/envelope.js" */
import { decodePage, PageCache } from "./page_codec.js";
import { PAGE_SIZE } from "./protocol.js";

/**
 * @param {object} options
 * @param {(fields: { offset: number, limit: number }) => Promise<Reply>} options.fetch sends a `page` request
 * @param {number} options.revision the revision known at start
 * @param {() => void} options.onLoaded called after a page landed in the cache
 */
export function createPageLoader({ fetch, revision, onLoaded }) {
  const cache = new PageCache(revision);
  /** @type {Map<number, number>} page -> revision it was requested at */
  const inflight = new Map();
  /** @type {Set<number>} */
  const failed = new Set();

  /** @param {number} page */
  function load(page) {
    if (cache.has(page) || inflight.has(page) || failed.has(page)) return;
    const asked = cache.revision;
    inflight.set(page, asked);
    fetch({ offset: page * PAGE_SIZE, limit: PAGE_SIZE }).then(
      ({ content, buffers }) => {
        if (inflight.get(page) === asked) inflight.delete(page);
        cache.put(Number(content.revision), page, decodePage(content, buffers));
        onLoaded();
      },
      (/** @type {any} */ err) => {
        if (inflight.get(page) !== asked) return;
        inflight.delete(page);
        if (err?.code === "error") failed.add(page); // refused: do not loop; timeouts are retried
      },
    );
  }

  return {
    /** @param {number[]} pages request those not cached nor on their way */
    ensure(pages) {
      for (const page of pages) load(page);
    },
    /** @param {number} page */
    display: (page) => cache.display(page),
    /** @param {number} next a newer revision drops cached pages (kept as stale fallback) */
    setRevision(next) {
      if (!cache.setRevision(next)) return;
      inflight.clear();
      failed.clear();
    },
    /** Forget refusals (the row count changed, so a refused offset may be valid now). */
    retryFailed() {
      failed.clear();
    },
    /** Forget everything (the columns changed). */
    reset() {
      cache.clear();
      inflight.clear();
      failed.clear();
    },
    get revision() {
      return cache.revision;
    },
  };
}
