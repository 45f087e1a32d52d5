// The job vocabulary, mirrored from vbn_widgets/data/jobs.py: `VOCABULARY` below is exactly what
// `vocabulary()` answers there (tests/cache_browser/test_cache_browser_contract.py reads the JSON
// between the markers and compares). Everything else in this file is derived from it, plus the
// file states the browser shows (vbn_widgets/data/files.py FileState, and "unchecked" for a file
// on a static mount that was not hashed).

/* vocabulary:begin */
export const VOCABULARY = /** @type {const} */ ({
  "version": 1,
  "job_states": ["queued", "running", "done", "failed", "cancelled"],
  "active_states": ["queued", "running"],
  "finished_states": ["done", "failed", "cancelled"],
  "error_kinds": ["network", "access-denied", "hash-mismatch", "disk-full", "read-only", "other"],
  "id_pattern": "^[0-9a-f]{32}$",
  "job_fields": {
    "id": "id",
    "batch": "id",
    "cache_dir": "string",
    "manifest": "string",
    "ref": "ref",
    "key": "string",
    "path": "string",
    "state": "job_state",
    "bytes_done": "integer",
    "bytes_total": "integer|null",
    "rate": "number|null",
    "eta_s": "number|null",
    "error": "string|null",
    "error_kind": "error_kind|null",
    "submitted": "number",
    "finished": "number|null"
  },
  "batch_fields": {
    "id": "id",
    "cache_dir": "string",
    "manifest": "string",
    "submitted": "number",
    "finished": "number|null",
    "files": "integer",
    "verified": "integer",
    "counts": "counts",
    "bytes_done": "integer",
    "bytes_total": "integer",
    "sized": "integer",
    "active": "boolean"
  },
  "operation_kinds": ["verify", "delete"],
  "operation_states": ["running", "done", "cancelled"],
  "operation_fields": {
    "id": "id",
    "kind": "operation_kind",
    "cache_dir": "string",
    "manifest": "string",
    "state": "operation_state",
    "files": "integer",
    "files_done": "integer",
    "results": "counts",
    "submitted": "number",
    "finished": "number|null"
  },
  "file_results": ["verified", "corrupt", "missing", "partial", "deleted", "absent", "downloading", "refused", "error"]
});
/* vocabulary:end */

/* file-states:begin */
export const FILE_STATES = /** @type {const} */ (["missing", "partial", "verified", "corrupt", "unchecked"]);
/* file-states:end */

/** @typedef {typeof VOCABULARY.job_states[number]} JobState */
/** @typedef {typeof VOCABULARY.error_kinds[number]} ErrorKind */
/** @typedef {typeof VOCABULARY.operation_kinds[number]} OperationKind */
/** @typedef {typeof VOCABULARY.file_results[number]} FileResult */
/** @typedef {typeof FILE_STATES[number]} FileState */

/** @type {ReadonlySet<string>} */
export const ACTIVE_STATES = new Set(VOCABULARY.active_states);
/** @type {ReadonlySet<string>} */
export const FINISHED_STATES = new Set(VOCABULARY.finished_states);
export const JOB_ID = new RegExp(VOCABULARY.id_pattern);

/** @param {{ state: string } | null | undefined} job */
export const isActive = (job) => !!job && ACTIVE_STATES.has(job.state);
