"""CacheBrowser in real JupyterLab and Chromium on the demo release: click download on one ecephys
session, run a cell while the files arrive, and watch every bar reach 100% and every file verify;
then a file goes bad on disk, Verify finds it and says so, and at 1,280 px the corrupt row shows
its state and every action (screenshots in light and dark).

The source is a throttled mirror (tests/vbn_testing/workers.py SlowMirror) so the download takes
a few seconds. The cache lives outside the lab's root, and this lab has no server-extension
config for it, so the downloads run in the kernel ("downloads: this kernel").
"""

from __future__ import annotations

import pytest
from e2e.lab import (
    REPO_ROOT,
    assert_no_error_outputs,
    open_notebook,
    read_kernel_value,
    run_cell,
    screenshot,
    set_theme,
    wait_until,
    write_notebook,
)

from vbn_widgets import VBNCache

pytestmark = pytest.mark.e2e

NARROW = {"width": 1280, "height": 900}

# Whether a row shows its whole state text and every action button inside the tree's viewport.
JS_FITS = """(row) => {
  const body = row.closest('.vbn-cb-body').getBoundingClientRect();
  const state = row.querySelector('.vbn-cb-state');
  const buttons = [...row.querySelectorAll('.vbn-cb-actions button')];
  return {
    state: state.textContent,
    stateFits: state.scrollWidth <= state.clientWidth,
    buttons: buttons.map((b) => b.textContent),
    buttonsFit: buttons.every((b) => {
      const r = b.getBoundingClientRect();
      const inside = r.right <= body.right && r.right <= window.innerWidth;
      return inside && b.scrollWidth <= b.clientWidth;
    }),
  };
}"""


@pytest.fixture(scope="module")
def session_id(demo_release, tmp_path_factory) -> int:
    probe = VBNCache.from_mirror(demo_release, tmp_path_factory.mktemp("probe-cache"))
    return int(probe.get_ecephys_session_table(filter_abnormalities=False).index.min())


def notebook_cells(release, cache_dir):
    return [
        "import sys\n"
        f"sys.path.insert(0, {str(REPO_ROOT / 'tests')!r})\n"
        "from vbn_testing.workers import SlowMirror\n"
        "from vbn_widgets import CacheBrowser, VBNCache\n"
        f"source = SlowMirror({str(release)!r}, delay=0.25, chunk=4096)\n"
        f"cache = VBNCache({str(cache_dir)!r}, source=source)\n"
        "browser = CacheBrowser(cache, title='VBN demo release')\n"
        "browser",
        "x = 1 + 1\nduring = dict(browser.transfer['batches'][0])",
    ]


def progress_state(nb, session_id):
    """[(value, max)] of every per-row bar of the session and its files, and their state texts."""
    return nb.panel.evaluate(
        """(panel, sid) => {
          const rows = [...panel.querySelectorAll('.vbn-cb-row')].filter((r) =>
            r.dataset.row === `s:${sid}` || (r.dataset.row || '').includes(`/${sid}/`));
          return {
            bars: rows.flatMap((r) => [...r.querySelectorAll('.vbn-cb-progress')])
              .map((p) => [p.value, p.max]),
            states: rows.map((r) => r.querySelector('.vbn-cb-state').textContent),
          };
        }""",
        session_id,
    )


def test_download_one_session_while_a_cell_runs_then_find_a_corrupt_file(
    lab, page, demo_release, tmp_path_factory, session_id
):
    cache_dir = tmp_path_factory.mktemp("cache-browser-cache")  # outside lab.root
    write_notebook(lab.root, "cache_browser.ipynb", notebook_cells(demo_release, cache_dir))
    nb = open_notebook(page, lab, "cache_browser.ipynb")
    run_cell(nb, 0)
    root = nb.locator(".vbn-cache-browser")
    root.wait_for(state="visible")
    assert root.locator(".vbn-cb-backend").inner_text() == "downloads: this kernel"
    versions = root.locator(".vbn-cb-version-select option").all_inner_texts()
    assert versions == ["v0.4.0", "v0.5.0 (latest, current, on disk)"]

    # fold the metadata away, open the ecephys group and the session
    nb.locator('.vbn-cb-row[data-row="g:metadata"] .vbn-cb-expander').click()
    nb.locator('.vbn-cb-row[data-row="g:ecephys"] .vbn-cb-expander').click()
    session = nb.locator(f'.vbn-cb-row[data-row="s:{session_id}"]')
    session.locator(".vbn-cb-expander").click()
    files = nb.locator(f'.vbn-cb-row[data-row*="/{session_id}/"]')
    wait_until(lambda: files.count() >= 2, "the session's files")
    n_files = files.count()
    assert files.first.locator(".vbn-cb-label").inner_text() == f"ecephys_session_{session_id}.nwb"
    wait_until(lambda: session.locator(".vbn-cb-size").inner_text() != "…", "the session's size")
    screenshot(root, "cache-browser-before-download")

    session.locator(".vbn-cb-download").click()
    batch = root.locator(".vbn-cb-batch").first
    total = batch.locator("progress")
    wait_until(lambda: float(total.get_attribute("value") or 0) > 0, "the request's bar to move")
    assert batch.locator(".vbn-cb-batch-text").inner_text().startswith(f"session {session_id}: ")

    # a cell runs to completion while the files are still arriving
    run_cell(nb, 1)
    value, maximum = (float(total.get_attribute(a) or 0) for a in ("value", "max"))
    assert 0 < value < maximum, (value, maximum)
    assert read_kernel_value(nb, "x") == "2"
    during = read_kernel_value(
        nb, "(during['state'], during['bytes_done'] < during['bytes_total'])"
    )
    assert during == "('running', True)"
    screenshot(root, "cache-browser-downloading")

    def finished():
        state = progress_state(nb, session_id)
        bars_full = len(state["bars"]) == n_files + 1 and all(v == m for v, m in state["bars"])
        verified = state["states"] == [f"{n_files}/{n_files} verified"] + ["verified"] * n_files
        return bars_full and verified

    wait_until(finished, "every bar of the session at 100% and every file verified", timeout=120)
    wait_until(lambda: total.get_attribute("value") == total.get_attribute("max"), "the batch bar")
    assert batch.locator(".vbn-cb-batch-text").inner_text().endswith("· finished")
    files_of_session = f"browser._tree.sessions[{session_id}].files"
    verified = read_kernel_value(
        nb, f"sorted({{cache.file_state(f.ref).value for f in {files_of_session}}})"
    )
    assert verified == "['verified']"
    screenshot(root, "cache-browser-downloaded")

    # Verify says so even when nothing changed
    lfp = files.nth(1)
    lfp.locator(".vbn-cb-verify").click()
    task = root.locator(".vbn-cb-task")
    wait_until(lambda: "still verified" in task.inner_text(), "verify's answer")

    # a file goes bad behind the browser's back: Verify finds it, the row shows it at 1,280 px
    lfp_key = lfp.get_attribute("data-row").removeprefix("f:")
    bad = f"cache.layout.root / cache.manifest.version_folder / {lfp_key.split('/', 1)[1]!r}"
    read_kernel_value(nb, f"({bad}).write_bytes(b'not the bytes the manifest hashed')")
    lfp.locator(".vbn-cb-verify").click()
    wait_until(lambda: lfp.locator(".vbn-cb-state").inner_text() == "corrupt", "the corrupt state")
    assert "corrupt" in task.inner_text()
    session.locator(".vbn-cb-verify").click()  # the whole session in one request
    said = f"Verified session {session_id}: {n_files - 1} verified, 1 corrupt: download the"
    wait_until(lambda: task.inner_text().startswith(said), "the session's verify")
    page.set_viewport_size(NARROW)
    for row in (lfp, session, nb.locator('.vbn-cb-row[data-row="g:ecephys"]')):
        wait_until(lambda r=row: r.evaluate(JS_FITS)["buttons"], "the row's buttons")
        fits = row.evaluate(JS_FITS)
        assert fits["stateFits"] and fits["buttonsFit"], fits
    assert lfp.evaluate(JS_FITS)["buttons"] == ["Download", "Verify", "Delete"]
    screenshot(root, "cache-browser-corrupt-1280-light")

    set_theme(page, dark=True)
    wait_until(lambda: root.locator(".vbn-cb-state").count() > 0, "rows in the dark theme")
    assert lfp.evaluate(JS_FITS)["buttonsFit"]
    screenshot(root, "cache-browser-corrupt-1280-dark")
    assert_no_error_outputs(nb)
