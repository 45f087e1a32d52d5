"""Brain-region groups used by the VBN quality-metrics tutorial's density plots."""

from __future__ import annotations

# Exactly the tutorial's lists (docs/vbn-dataset.md, "Unit quality").
REGION_GROUPS: dict[str, tuple[str, ...]] = {
    "cortex": (
        "VISp",
        "VISl",
        "VISrl",
        "VISam",
        "VISpm",
        "VIS",
        "VISal",
        "VISmma",
        "VISmmp",
        "VISli",
    ),
    "thalamus": (
        "LGd",
        "LD",
        "LP",
        "VPM",
        "TH",
        "MGm",
        "MGv",
        "MGd",
        "PO",
        "LGv",
        "VL",
        "VPL",
        "POL",
        "Eth",
        "PoT",
        "PP",
        "PIL",
        "IntG",
        "IGL",
        "SGN",
        "PF",
        "RT",
    ),
    "hippocampus": ("CA1", "CA2", "CA3", "DG", "SUB", "POST", "PRE", "ProS", "HPF"),
    "midbrain": (
        "MB",
        "SCig",
        "SCiw",
        "SCsg",
        "SCzo",
        "PPT",
        "APN",
        "NOT",
        "MRN",
        "OP",
        "LT",
        "RPF",
        "CP",
    ),
}

#: Group names in display order; everything not listed above is "other".
GROUP_ORDER: tuple[str, ...] = (*REGION_GROUPS, "other")

_LOOKUP: dict[str, str] = {
    acronym: group for group, acronyms in REGION_GROUPS.items() for acronym in acronyms
}


def region_group(acronym: object) -> str:
    """ "cortex" | "thalamus" | "hippocampus" | "midbrain" | "other" for a structure acronym."""
    if isinstance(acronym, str):
        return _LOOKUP.get(acronym, "other")
    return "other"
