"""The package as installed: version, static bundles, console command."""

import re

import vbn_widgets
from vbn_widgets._static import STATIC, widget_stem
from vbn_widgets.cli import main


def test_version_is_well_formed():
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?(?:\.dev\d+)?", vbn_widgets.__version__)


def test_every_widget_ships_its_bundle():
    for cls in vbn_widgets.ALL_WIDGETS:
        stem = widget_stem(cls)
        for path in (STATIC / f"{stem}.js", STATIC / f"{stem}.css"):
            assert path.is_file(), f"{path} missing: run `npm run build` in js/"
            assert path.stat().st_size > 0
            # no CDN imports: nothing is fetched from the network at run time
            assert not re.search(r"""(?:import|from)\s*\(?\s*["']https?://""", path.read_text())
            assert "@import url(" not in path.read_text()


def test_cli_help_and_unknown_command(capsys):
    assert main(["--help"]) == 0
    assert "demo-data" in capsys.readouterr().out
    assert main(["frobnicate"]) == 2
