"""``CacheBrowser``: what a VBN release holds, what is on disk, and downloads with progress.

- ``widget``: the widget: its lock, threads, publishing and the whole public API
- ``messages``: the browser's requests, checked, calling that API
- ``tree``, ``summaries``, ``lookup``, ``jobs``, ``shapes``: pure helpers (no widget, no I/O)
- ``observe``, ``disk``: what the ticker reads from the queue, the job board and the disk
"""

from .widget import CacheBrowser

__all__ = ["CacheBrowser"]
