"""What the service worker may keep: the static files every page needs and the offline
page, the same for everyone. Never a page, never anything a leader wrote: navigations go to
the network, and only fall back to the offline page when there is none."""

import hashlib
from pathlib import Path

from flask import current_app, url_for

# Files under static/ the worker keeps, offline page included. Nothing else is ever stored.
STATIC_FILES = (
    "style.css",
    "journal.js",
    "passkeys.js",
    "favicon.svg",
    "manifest.webmanifest",
    "offline.html",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
    "icons/apple-touch-icon.png",
)
OFFLINE_PAGE = "offline.html"


def static_urls() -> list[str]:
    """The URLs of the files the worker keeps."""
    return [url_for("static", filename=name) for name in STATIC_FILES]


def cache_name() -> str:
    """The cache's name, from the files' contents: a changed file changes the worker's text,
    so browsers install it afresh, fetch every file again and drop the old cache."""
    folder = Path(current_app.static_folder or "")
    digest = hashlib.sha256()
    for name in STATIC_FILES:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes())
    return f"ledelsesjournal-static-{digest.hexdigest()[:16]}"
