"""Security headers on every response, and no caching of anything but static files.

The Content-Security-Policy allows scripts, styles, images and fonts from this site only:
no inline script or style anywhere (the one script is static/journal.js), no plugins, no
<base> tag, and no framing of the app by another site (clickjacking). Pages are never
stored by the browser or a proxy, logged in or not: a journal page must not come back from
the cache on a shared computer after logging out, and a login page has nothing worth
caching. Static files may be cached. The service worker's script, the same for everyone, is
asked for again at every use (no-cache), so that a new version reaches browsers at once.
"""

from flask import Flask, request
from flask.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "form-action 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Links to other sites carry no path (which could name an entry or a goal).
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers too old for frame-ancestors
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# Two years, as browsers' preload lists expect; subdomains are not ours to decide.
STRICT_TRANSPORT_SECURITY = "max-age=63072000"
# Served by a view, public and the same for everyone: kept, but checked again at every use.
REVALIDATED = {"installable.service_worker"}


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    if request.endpoint in REVALIDATED:
        response.headers["Cache-Control"] = "no-cache"
    elif request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
