"""The four NWB extensions of the VBN files, loaded into a private pynwb type map.

The namespace YAML files in ``ndx/`` are the ones AllenSDK 2.16.2 ships (public specs):
``ndx-aibs-ecephys`` (EcephysProbe, EcephysElectrodeGroup, EcephysCSD), ``ndx-aibs-behavior-ophys``
(BehaviorMetadata, BehaviorSubject, BehaviorTaskParameters), ``ndx-ellipse-eye-tracking``
(EllipseEyeTracking, EllipseSeries) and ``ndx-aibs-stimulus-template`` (StimulusTemplate).
They are loaded into a copy of pynwb's type map, so importing this module changes nothing in
the user's pynwb (a later ``NWBHDF5IO(..., load_namespaces=True)`` still reads the cached specs).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

NDX_DIR = Path(__file__).resolve().parent / "ndx"
NAMESPACE_FILES = (
    "ndx-aibs-ecephys.namespace.yaml",
    "ndx-aibs-behavior-ophys.namespace.yaml",
    "ndx-ellipse-eye-tracking.namespace.yaml",
    "ndx-aibs-stimulus-template.namespace.yaml",
)
_TYPES = {
    "EcephysProbe": "ndx-aibs-ecephys",
    "EcephysElectrodeGroup": "ndx-aibs-ecephys",
    "EcephysCSD": "ndx-aibs-ecephys",
    "BehaviorMetadata": "ndx-aibs-behavior-ophys",
    "BehaviorSubject": "ndx-aibs-behavior-ophys",
    "BehaviorTaskParameters": "ndx-aibs-behavior-ophys",
    "EllipseEyeTracking": "ndx-ellipse-eye-tracking",
    "EllipseSeries": "ndx-ellipse-eye-tracking",
    "StimulusTemplate": "ndx-aibs-stimulus-template",
}


@functools.cache
def type_map():
    """pynwb's core type map (a copy) with the four VBN extensions loaded."""
    import pynwb

    types = pynwb.get_type_map()
    for name in NAMESPACE_FILES:
        types.load_namespaces(str(NDX_DIR / name))
    return types


def extension_class(name: str) -> type:
    """The pynwb class of one extension type, e.g. ``extension_class("EcephysProbe")``."""
    return type_map().get_dt_container_cls(name, _TYPES[name])


def build_manager():
    """A fresh hdmf BuildManager over :func:`type_map`, for one ``NWBHDF5IO`` write."""
    from hdmf.build import BuildManager

    return BuildManager(type_map())


@contextlib.contextmanager
def fast_type_map() -> Iterator[None]:
    """While building containers, answer pynwb's per-attribute type-map lookups from
    :func:`type_map` instead of pynwb 3.0's fresh deep copy per attribute set (which took half of
    a session file's build time). Restored on exit."""
    from pynwb.core import NWBMixin

    ours = type_map()
    before = NWBMixin.__dict__["_get_type_map"]
    NWBMixin._get_type_map = lambda _self: ours
    try:
        yield
    finally:
        NWBMixin._get_type_map = before
