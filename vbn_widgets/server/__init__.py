"""The Jupyter server extension: a download manager shared by every notebook of one server.

Enabled by ``jupyter-config/jupyter_server_config.d/vbn_widgets.json`` (installed by the wheel).
Downloads run in the server, so they continue when a kernel restarts or a notebook closes; the
cache browser finds the REST API (``{base_url}vbn-widgets/api/``, see ``handlers``) and uses it.
Importing this module is cheap: the data layer is imported on the first request.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Instance

from .config import VBNWidgets
from .handlers import MANAGER_SETTING, routes
from .manager import DownloadManager

__all__ = ["DownloadManager", "VBNWidgets", "VBNWidgetsApp"]


class VBNWidgetsApp(ExtensionApp):
    """Links the download manager into the server and stops it when the server stops.

    An extension app rather than a bare ``_load_jupyter_server_extension`` function because only
    extension apps get a shutdown hook (``stop_extension``), where running downloads are cancelled
    (their ``.part`` files stay and resume later) instead of holding the process open.
    """

    name = "vbn_widgets"
    load_other_extensions = True
    classes = [VBNWidgets]  # noqa: RUF012 - traitlets' Application.classes is a plain list
    manager = Instance(DownloadManager, allow_none=True)

    def initialize_settings(self) -> None:
        config = VBNWidgets(parent=self)
        self.manager = DownloadManager(config.cache_roots, max_workers=config.max_workers)
        self.settings[MANAGER_SETTING] = self.manager
        self.log.info(
            "vbn_widgets: download manager for %s (%d workers)",
            ", ".join(config.cache_roots) or "no cache folders",
            config.max_workers,
        )

    def initialize_handlers(self) -> None:
        self.handlers.extend(routes())

    async def stop_extension(self) -> None:
        if self.manager is not None:
            await asyncio.to_thread(self.manager.shutdown)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "vbn_widgets.server", "app": VBNWidgetsApp}]
