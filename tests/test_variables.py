"""Export names cannot clobber the notebook (issue 11.2): builtins, dunders, IPython's names,
NFKC-folded identifiers and long names are refused; a foreign value is detected."""

from __future__ import annotations

import pandas as pd
import pytest

from vbn_widgets._variables import ExportNameError, ExportTarget, check_variable_name

FULL_WIDTH = "\uff55nits"  # a full-width u: Python reads it as `units`
REFUSED = [
    "print", "len", "list", "__builtins__", "__name__", "__x__", "get_ipython", "In", "Out",
    "exit", "quit", "_", "__", "___", "_i", "_ii", "_iii", "_i7", "_12", "_oh", "_dh", "_ih",
    FULL_WIDTH, "\ufb01le", "x" * 65, "class", "1abc", "a-b", "", None, 3,
]  # fmt: skip
ALLOWED = ["units", "good_units", "units_selected", "_private", "x" * 64, "données", "_x1"]


@pytest.mark.parametrize("name", REFUSED)
def test_refused_names_say_why(name):
    with pytest.raises(ExportNameError) as err:
        check_variable_name(name)
    assert "name" in str(err.value) or "export" in str(err.value)


@pytest.mark.parametrize("name", ALLOWED)
def test_plain_identifiers_are_allowed(name):
    assert check_variable_name(name) == name


def test_nfkc_message_names_the_folded_name():
    with pytest.raises(ExportNameError, match="'units'"):
        check_variable_name(FULL_WIDTH)


def test_export_target_knows_what_it_wrote(user_ns):
    target = ExportTarget()
    assert not target.would_replace("picked")  # free
    user_ns["units"] = pd.DataFrame({"a": [1]})  # the user's own table
    assert target.would_replace("units")
    target.write("picked", pd.Index([1, 2]))
    assert not target.would_replace("picked")  # ours
    user_ns["picked"] = "the user's"
    assert target.would_replace("picked")
    target.write("n", 3)  # values that take no weak reference work too
    assert not target.would_replace("n")
