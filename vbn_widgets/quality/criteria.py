"""Quality criteria and settings: frozen, validated, JSON round-trippable."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

DEFAULT_METRICS: tuple[str, ...] = (
    "firing_rate",
    "presence_ratio",
    "amplitude_cutoff",
    "isi_violations",
    "snr",
    "isolation_distance",
    "d_prime",
    "nn_hit_rate",
)
#: Metrics plotted on a log10(x + 1e-5) axis.
LOG_METRICS: frozenset[str] = frozenset({"firing_rate", "isi_violations"})

KEEPS = ("above", "below")
MISSING_RULES = ("fail", "pass")


class QualityError(ValueError):
    """Invalid quality settings; the message names the metric / field / value."""


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_bool(name: str, value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise QualityError(f"{where}: {name} must be true or false, got {value!r}")
    return value


def _check_keys(obj: object, allowed: Iterable[str], required: Iterable[str], what: str) -> None:
    if not isinstance(obj, Mapping):
        raise QualityError(f"{what} must be a JSON object (dict), got {type(obj).__name__}")
    unknown = sorted(str(k) for k in obj if k not in set(allowed))
    if unknown:
        raise QualityError(f"{what}: unknown key(s) {', '.join(map(repr, unknown))}")
    for key in required:
        if key not in obj:
            raise QualityError(f"{what}: missing required key {key!r}")


@dataclass(frozen=True)
class Criterion:
    """Keep units whose ``metric`` is above / below ``threshold``."""

    metric: str
    keep: Literal["above", "below"]
    threshold: float
    inclusive: bool = False
    active: bool = True
    missing: Literal["fail", "pass"] = "fail"

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not self.metric:
            raise QualityError(f"criterion metric must be a non-empty string, got {self.metric!r}")
        where = f"criterion {self.metric!r}"
        if self.keep not in KEEPS:
            raise QualityError(f"{where}: keep must be 'above' or 'below', got {self.keep!r}")
        if not _is_real(self.threshold) or not math.isfinite(float(self.threshold)):
            raise QualityError(
                f"{where}: threshold must be a finite real number, got {self.threshold!r}"
            )
        object.__setattr__(self, "threshold", float(self.threshold))
        _check_bool("inclusive", self.inclusive, where)
        _check_bool("active", self.active, where)
        if self.missing not in MISSING_RULES:
            raise QualityError(f"{where}: missing must be 'fail' or 'pass', got {self.missing!r}")

    @property
    def operator(self) -> str:
        """The comparison keeping a unit: ">", ">=", "<" or "<="."""
        op = ">" if self.keep == "above" else "<"
        return op + "=" if self.inclusive else op

    def describe(self) -> str:
        """Text such as ``isi_violations < 0.5`` (with ``(NaN passes)`` when missing='pass')."""
        text = f"{self.metric} {self.operator} {self.threshold!r}"
        return text + " (NaN passes)" if self.missing == "pass" else text

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "keep": self.keep,
            "threshold": self.threshold,
            "inclusive": self.inclusive,
            "active": self.active,
            "missing": self.missing,
        }

    @classmethod
    def from_json(cls, obj: object) -> Criterion:
        fields = ("metric", "keep", "threshold", "inclusive", "active", "missing")
        _check_keys(obj, fields, ("metric", "keep", "threshold"), "criterion")
        assert isinstance(obj, Mapping)
        return cls(**{k: obj[k] for k in fields if k in obj})


def _int_tuple(values: object, name: str) -> tuple[int, ...] | None:
    if values is None:
        return None
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise QualityError(f"{name} must be a list of integers or null, got {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise QualityError(f"{name}: {v!r} is not an integer session id")
        out.append(int(v))
    return tuple(out)


def _str_tuple(values: object, name: str) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise QualityError(f"{name} must be a list of strings or null, got {values!r}")
    out = []
    for v in values:
        if not isinstance(v, str):
            raise QualityError(f"{name}: {v!r} is not a string structure acronym")
        out.append(v)
    return tuple(out)


@dataclass(frozen=True)
class QualitySettings:
    """An ordered set of criteria plus an optional restriction of the units considered."""

    criteria: tuple[Criterion, ...] = field(default_factory=tuple)
    sessions: tuple[int, ...] | None = None
    areas: tuple[str, ...] | None = None
    good_label_only: bool = False
    preset: str = "custom"

    def __post_init__(self) -> None:
        criteria = self.criteria
        if isinstance(criteria, Criterion) or not isinstance(criteria, Iterable):
            raise QualityError(f"criteria must be a sequence of Criterion, got {criteria!r}")
        criteria = tuple(criteria)
        seen: set[str] = set()
        for c in criteria:
            if not isinstance(c, Criterion):
                raise QualityError(f"criteria: {c!r} is not a Criterion")
            if c.metric in seen:
                raise QualityError(f"criteria: metric {c.metric!r} is listed twice")
            seen.add(c.metric)
        object.__setattr__(self, "criteria", criteria)
        object.__setattr__(self, "sessions", _int_tuple(self.sessions, "sessions"))
        object.__setattr__(self, "areas", _str_tuple(self.areas, "areas"))
        _check_bool("good_label_only", self.good_label_only, "settings")
        if not isinstance(self.preset, str):
            raise QualityError(f"settings: preset must be a string, got {self.preset!r}")

    @property
    def active_criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.active)

    @property
    def restricted(self) -> bool:
        """True when sessions, areas or the good label restrict the units considered."""
        return self.sessions is not None or self.areas is not None or self.good_label_only

    def criterion(self, metric: str) -> Criterion | None:
        return next((c for c in self.criteria if c.metric == metric), None)

    def with_criterion(self, c: Criterion) -> QualitySettings:
        """Replace the criterion for ``c.metric`` (or append it); preset becomes "custom"
        unless nothing changed."""
        if not isinstance(c, Criterion):
            raise QualityError(f"with_criterion needs a Criterion, got {c!r}")
        if self.criterion(c.metric) == c:
            return self
        if self.criterion(c.metric) is None:
            criteria = (*self.criteria, c)
        else:
            criteria = tuple(c if old.metric == c.metric else old for old in self.criteria)
        return QualitySettings(criteria, self.sessions, self.areas, self.good_label_only, "custom")

    def to_json(self) -> dict[str, Any]:
        return {
            "criteria": [c.to_json() for c in self.criteria],
            "sessions": None if self.sessions is None else list(self.sessions),
            "areas": None if self.areas is None else list(self.areas),
            "good_label_only": self.good_label_only,
            "preset": self.preset,
        }

    @classmethod
    def from_json(cls, obj: object) -> QualitySettings:
        keys = ("criteria", "sessions", "areas", "good_label_only", "preset")
        _check_keys(obj, keys, (), "settings")
        assert isinstance(obj, Mapping)
        criteria = obj.get("criteria", [])
        if not isinstance(criteria, list | tuple):
            raise QualityError(f"settings: criteria must be a list, got {criteria!r}")
        return cls(
            criteria=tuple(Criterion.from_json(c) for c in criteria),
            sessions=obj.get("sessions"),
            areas=obj.get("areas"),
            good_label_only=obj.get("good_label_only", False),
            preset=obj.get("preset", "custom"),
        )


def _preset(name: str, active: dict[str, tuple[str, float, bool]]) -> QualitySettings:
    order = [*active, *(m for m in DEFAULT_METRICS if m not in active)]
    defaults = {  # thresholds shown for the inactive metrics
        "firing_rate": ("above", 0.1),
        "presence_ratio": ("above", 0.9),
        "amplitude_cutoff": ("below", 0.1),
        "isi_violations": ("below", 0.5),
        "snr": ("above", 1.0),
        "isolation_distance": ("above", 20.0),
        "d_prime": ("above", 2.0),
        "nn_hit_rate": ("above", 0.9),
    }
    criteria = []
    for metric in order:
        if metric in active:
            keep, threshold, inclusive = active[metric]
            criteria.append(Criterion(metric, keep, threshold, inclusive))  # type: ignore[arg-type]
        else:
            keep, threshold = defaults[metric]
            criteria.append(Criterion(metric, keep, threshold, active=False))  # type: ignore[arg-type]
    return QualitySettings(tuple(criteria), preset=name)


PRESETS: dict[str, QualitySettings] = {
    "Allen tutorial": _preset(
        "Allen tutorial",
        {
            "isi_violations": ("below", 0.5, False),
            "amplitude_cutoff": ("below", 0.1, False),
            "presence_ratio": ("above", 0.9, False),
        },
    ),
    "AllenSDK defaults": _preset(
        "AllenSDK defaults",
        {
            "amplitude_cutoff": ("below", 0.1, True),
            "presence_ratio": ("above", 0.95, True),
            "isi_violations": ("below", 0.5, True),
        },
    ),
    "snr and firing rate": _preset(
        "snr and firing rate",
        {"snr": ("above", 1.0, False), "firing_rate": ("above", 0.2, False)},
    ),
}
