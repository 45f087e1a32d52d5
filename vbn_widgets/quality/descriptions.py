"""One line per unit-quality metric of the VBN units table: what it measures and which way is
better (after the metric definitions of the Allen Institute's ecephys quality-metrics docs)."""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "firing_rate": "Mean spike rate over the whole recording, in Hz.",
    "presence_ratio": (
        "Fraction of the recording (in 100 equal blocks) in which the unit fired; "
        "low means it drifted in or out. Max 0.99."
    ),
    "amplitude_cutoff": (
        "Estimated fraction of spikes missed because they fell below the detection threshold; "
        "lower is better, capped at 0.5."
    ),
    "isi_violations": (
        "Relative rate of refractory-period (1.5 ms) violations, i.e. contamination by other "
        "neurons; lower is better, can exceed 1."
    ),
    "snr": "Peak waveform amplitude over the background noise on the peak channel.",
    "isolation_distance": (
        "Mahalanobis radius around the cluster holding as many other spikes as its own; "
        "higher is better isolated."
    ),
    "d_prime": (
        "Separation of the unit from its neighbours in PC space (linear discriminant); "
        "higher is better."
    ),
    "nn_hit_rate": (
        "Fraction of the unit's nearest neighbours in PC space that belong to it; higher is better."
    ),
    "nn_miss_rate": (
        "Fraction of other units' nearest neighbours that belong to this unit; lower is better."
    ),
    "l_ratio": "Contamination of the cluster by nearby spikes (L-ratio); lower is better.",
    "silhouette_score": "Cluster separation in PC space, from -1 to 1; higher is better.",
    "cumulative_drift": "Total movement of the unit along the probe over the session, in um.",
    "max_drift": "Largest movement of the unit along the probe, in um.",
    "amplitude": "Peak-to-trough amplitude of the mean waveform, in uV.",
}


def describe_metric(metric: str) -> str:
    """The metric's one-line meaning, or a plain note for a column the dataset does not define."""
    return DESCRIPTIONS.get(metric, f"Column {metric!r} of the units table.")
