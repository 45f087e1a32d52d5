"""Text filters: substring and regular-expression search in linear time (RE2, through pyarrow).

Patterns use RE2 syntax (https://github.com/google/re2/wiki/Syntax), as bundled in pyarrow's
compute functions. RE2 never backtracks, so a search takes time linear in the text whatever the
pattern; it has no lookaround (``(?=``, ``(?!``, ``(?<=``) and no backreferences (``\\1``), its
``\\d``, ``\\w``, ``\\s`` and ``\\b`` match ASCII characters only, ``$`` matches only at the very
end, and ignoring case uses Unicode simple case folding (also for plain substrings). A pattern RE2
cannot compile is rejected with RE2's reason.

The generated pandas code runs the very same functions: an Arrow-backed string Series
(``.astype("large_string[pyarrow]")``) answers ``.str.contains`` with
``pyarrow.compute.match_substring(_regex)``, with no fallback to Python's ``re``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SYNTAX = (
    "RE2 syntax: no lookaround or backreferences; \\d \\w \\s \\b match ASCII only "
    "(https://github.com/google/re2/wiki/Syntax)"
)
ARROW_STRING = "large_string[pyarrow]"  # the dtype the generated code searches in
_ONE = pa.array([""], type=pa.large_string())  # an empty array would not compile the pattern


def regex_problem(pattern: str, *, case_sensitive: bool = True) -> str | None:
    """Why RE2 cannot run ``pattern`` (its own words), or None when it can."""
    try:
        pc.match_substring_regex(_ONE, pattern, ignore_case=not case_sensitive)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        return str(err).removeprefix("Invalid regular expression: ")
    return None


def as_arrow(texts: list[str]) -> pa.Array:
    """Texts as an Arrow string array (a lone surrogate, which UTF-8 cannot hold, becomes "?")."""
    try:
        return pa.array(texts, type=pa.large_string())
    except (UnicodeEncodeError, pa.ArrowException):
        clean = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        return pa.array(clean, type=pa.large_string())


def contains(texts: pa.Array, pattern: str, *, regex: bool, case_sensitive: bool) -> np.ndarray:
    """One bool per text: does it contain ``pattern`` (a substring, or an RE2 regex)?"""
    search = pc.match_substring_regex if regex else pc.match_substring
    hits = search(texts, pattern, ignore_case=not case_sensitive)
    return np.asarray(hits.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
