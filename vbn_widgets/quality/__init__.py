"""Unit-quality thresholds for the VBN units table (no widget code; the widget: quality_filter)."""

from .criteria import (
    DEFAULT_METRICS,
    LOG_METRICS,
    PRESETS,
    Criterion,
    QualityError,
    QualitySettings,
)
from .model import QualityModel
from .regions import REGION_GROUPS, region_group

__all__ = [
    "DEFAULT_METRICS",
    "LOG_METRICS",
    "PRESETS",
    "REGION_GROUPS",
    "Criterion",
    "QualityError",
    "QualityModel",
    "QualitySettings",
    "region_group",
]
