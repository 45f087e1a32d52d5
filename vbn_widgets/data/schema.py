"""What each of the five VBN metadata tables holds, and the types AllenSDK gives its columns.

AllenSDK casts prior_exposures_to_image_set, ecephys_session_id, unit_count, probe_count and
channel_count to pandas Int64 in the two session tables only; elsewhere pandas' own inference
(int64 for complete integer columns) is what AllenSDK users see, and so it is here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSchema:
    name: str
    index: str
    required: tuple[str, ...]  # besides the index: the keys that link the tables
    ids: tuple[str, ...] = ()  # integer, never missing
    nullable_ints: tuple[str, ...] = ()  # pandas Int64, as AllenSDK casts them
    floats: tuple[str, ...] = ()
    bools: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()  # Python list reprs in the CSV, parsed with ast.literal_eval
    dates: tuple[str, ...] = ()  # UTC timestamps
    strings: tuple[str, ...] = ()

    def kind(self, column: str) -> str | None:
        for kind in ("ids", "nullable_ints", "floats", "bools", "lists", "dates", "strings"):
            if column in getattr(self, kind):
                return kind
        return "ids" if column == self.index else None


_CCF = (
    "anterior_posterior_ccf_coordinate",
    "dorsal_ventral_ccf_coordinate",
    "left_right_ccf_coordinate",
)

UNIT_METRICS = (
    "amplitude_cutoff",
    "cumulative_drift",
    "d_prime",
    "firing_rate",
    "isi_violations",
    "isolation_distance",
    "l_ratio",
    "max_drift",
    "nn_hit_rate",
    "nn_miss_rate",
    "presence_ratio",
    "silhouette_score",
    "snr",
    "amplitude",
    "waveform_duration",
    "waveform_halfwidth",
    "PT_ratio",
    "recovery_slope",
    "repolarization_slope",
    "spread",
    "velocity_above",
    "velocity_below",
)

SCHEMAS: dict[str, TableSchema] = {
    s.name: s
    for s in (
        TableSchema(
            name="ecephys_sessions",
            index="ecephys_session_id",
            required=("behavior_session_id",),
            ids=("behavior_session_id", "mouse_id", "age_in_days", "session_number", "file_id"),
            nullable_ints=(
                "unit_count",
                "probe_count",
                "channel_count",
                "prior_exposures_to_image_set",
                "prior_exposures_to_omissions",
            ),
            lists=("structure_acronyms", "abnormal_histology", "abnormal_activity"),
            dates=("date_of_acquisition",),
            strings=(
                "equipment_name",
                "session_type",
                "genotype",
                "sex",
                "project_code",
                "image_set",
                "experience_level",
            ),
        ),
        TableSchema(
            name="behavior_sessions",
            index="behavior_session_id",
            required=("mouse_id",),
            ids=("mouse_id", "age_in_days", "file_id"),
            nullable_ints=(
                "ecephys_session_id",
                "session_number",
                "prior_exposures_to_session_type",
                "prior_exposures_to_image_set",
                "prior_exposures_to_omissions",
            ),
            dates=("date_of_acquisition",),
            strings=("equipment_name", "genotype", "sex", "session_type", "image_set"),
        ),
        TableSchema(
            name="probes",
            index="ecephys_probe_id",
            required=("ecephys_session_id",),
            ids=("ecephys_session_id", "unit_count", "channel_count", "file_id"),
            floats=("sampling_rate", "lfp_sampling_rate", "phase"),
            bools=("has_lfp_data",),
            lists=("structure_acronyms",),
            strings=("name",),
        ),
        TableSchema(
            name="channels",
            index="ecephys_channel_id",
            required=("ecephys_probe_id", "ecephys_session_id"),
            ids=("ecephys_probe_id", "ecephys_session_id", "probe_channel_number", "unit_count"),
            floats=("probe_vertical_position", "probe_horizontal_position", *_CCF),
            bools=("valid_data",),
            strings=("structure_acronym",),
        ),
        TableSchema(
            name="units",
            index="unit_id",
            required=("ecephys_channel_id", "ecephys_probe_id", "ecephys_session_id"),
            ids=("ecephys_channel_id", "ecephys_probe_id", "ecephys_session_id", "local_index"),
            nullable_ints=("structure_id",),  # AllenSDK: float when NaN; Int64 keeps ids exact
            floats=(*UNIT_METRICS, "probe_horizontal_position", "probe_vertical_position", *_CCF),
            bools=("valid_data",),
            strings=("structure_acronym", "quality"),
        ),
    )
}
