// The shapes of the cache browser's structured traits and row replies: one `@typedef {object}`
// per TypedDict of vbn_widgets/cache_browser/shapes.py, with the same keys
// (tests/cache_browser/test_cache_browser_contract.py compares them). Types only: no code.

/** @import { ErrorKind, FileState, JobState } from "./jobs.js" */

/**
 * @typedef {object} VersionInfo
 * @property {string} name
 * @property {string} version
 * @property {boolean} latest
 * @property {boolean} current
 * @property {boolean} downloaded
 */

/**
 * @typedef {object} SourceInfo
 * @property {"s3" | "mirror" | "static" | "local"} kind
 * @property {string} description
 * @property {boolean} read_only
 */

/**
 * @typedef {object} Totals
 * @property {number} files
 * @property {number} files_on_disk
 * @property {number} bytes_on_disk
 * @property {number} bytes_known
 * @property {number} sizes_pending
 * @property {number} selected_files
 * @property {number} selected_bytes
 * @property {number} to_download_files
 * @property {number} to_download_bytes
 */

/**
 * @typedef {object} DiffCounts
 * @property {number} changed
 * @property {number} added
 * @property {number} removed
 * @property {number} renamed
 * @property {number} unchanged
 */

/**
 * @typedef {object} Comparison
 * @property {string} a
 * @property {string} b
 * @property {string[]} changed
 * @property {string[]} added
 * @property {string[]} removed
 * @property {[string, string][]} renamed
 * @property {DiffCounts} counts
 * @property {string} text
 */

/**
 * @typedef {object} Preview
 * @property {number} sessions
 * @property {number[]} unknown
 * @property {number} files
 * @property {number} bytes
 * @property {number} to_download_files
 * @property {number} to_download_bytes
 * @property {number} bytes_unknown
 */

/**
 * One download job.
 * @typedef {object} JobInfo
 * @property {string} id
 * @property {string | null} batch
 * @property {string} key
 * @property {string} manifest
 * @property {string | number} ref
 * @property {JobState} state
 * @property {number} bytes_done
 * @property {number | null} bytes_total
 * @property {number | null} rate
 * @property {number | null} eta_s
 * @property {string | null} error
 * @property {ErrorKind | null} error_kind
 * @property {number | null} submitted
 */

/** @typedef {"requested" | "queued" | "running" | "done" | "failed" | "cancelled"} BatchState */

/**
 * One download request: what was asked, how far it got (never backwards).
 * @typedef {object} BatchInfo
 * @property {string} id
 * @property {string} label
 * @property {"kernel" | "server" | "elsewhere"} origin
 * @property {BatchState} state
 * @property {number} files
 * @property {number} verified
 * @property {number} files_done
 * @property {number} files_failed
 * @property {number} files_cancelled
 * @property {number} files_active
 * @property {number} bytes_done
 * @property {number} bytes_total
 * @property {number} sized
 * @property {number | null} rate
 * @property {number | null} eta_s
 * @property {number} submitted
 * @property {string | null} error
 */

/**
 * @typedef {object} Transfer
 * @property {boolean} active
 * @property {BatchInfo[]} batches
 */

/**
 * The last verify or delete of many files.
 * @typedef {object} TaskInfo
 * @property {"verify" | "delete"} kind
 * @property {string} label
 * @property {boolean} active
 * @property {number} files
 * @property {number} files_done
 * @property {Record<string, number>} results
 * @property {string | null} error
 */

/**
 * @typedef {object} SessionMeta
 * @property {string | null} mouse_id
 * @property {string | null} genotype
 * @property {string | null} date
 * @property {string | null} experience_level
 * @property {string | null} session_type
 */

/**
 * @typedef {object} StateCounts
 * @property {number} verified
 * @property {number} total
 */

/**
 * @typedef {object} RowJob
 * @property {string | null} id
 * @property {JobState} state
 * @property {number} bytes_done
 * @property {number | null} bytes_total
 * @property {number | null} rate
 * @property {number | null} eta_s
 * @property {string | null} error
 * @property {ErrorKind | null} error_kind
 */

/**
 * @typedef {object} CacheRow
 * @property {string} id
 * @property {number} level
 * @property {"group" | "session" | "file"} kind
 * @property {string} label
 * @property {boolean} expandable
 * @property {boolean} expanded
 * @property {"all" | "some" | "none"} selected
 * @property {number | null} size
 * @property {FileState | StateCounts} state
 * @property {number} bytes_on_disk
 * @property {SessionMeta | null} meta
 * @property {RowJob | null} job
 */

/** @typedef {"kernel" | "server" | "read-only"} Backend */
/** @typedef {{ cache: string, manifest: string, files: (string | number)[] }} Plan */

export {};
