"""Facts of the real VBN session files that tests check files against, written down from
``shared/docs/vbn-nwb.md`` rather than taken from the package's writer (so a test of the writer
does not check it against itself)."""

from __future__ import annotations

#: The 25 scalar columns of ``/units``, alphabetical (spike columns are ragged, apart).
UNIT_COLUMNS = (
    "PT_ratio",
    "amplitude",
    "amplitude_cutoff",
    "cluster_id",
    "cumulative_drift",
    "d_prime",
    "firing_rate",
    "isi_violations",
    "isolation_distance",
    "l_ratio",
    "local_index",
    "max_drift",
    "nn_hit_rate",
    "nn_miss_rate",
    "peak_channel_id",
    "presence_ratio",
    "quality",
    "recovery_slope",
    "repolarization_slope",
    "silhouette_score",
    "snr",
    "spread",
    "velocity_above",
    "velocity_below",
    "waveform_duration",
)
