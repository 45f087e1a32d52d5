"""jupyter_server's pytest plugin, for the server extension's tests only.

Imported here rather than listed in ``pytest_plugins`` (allowed only in the root conftest) so that
its autouse fixtures (a fresh event loop, a ServerApp cleanup) and its async-test hooks apply to
this folder alone.
"""

from pytest_jupyter.jupyter_server import *  # noqa: F403
