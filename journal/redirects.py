"""Where a request may send the browser next: paths on this site only, never an open redirect."""

from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None, fallback: str = "/") -> str:
    """`target` if it is a path on this site, else `fallback`: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(char) < 32 for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def referring_page() -> str | None:
    """The page of this site the browser says the request came from (path and query)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path, fallback="") or None


def page_to_return_to() -> str:
    """This page's path, for a header form (the language switch) to come back to; for a
    page that answered a form (its address may take no GET, e.g. `/rescue`), the page the
    form was on."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    return referring_page() or "/"
