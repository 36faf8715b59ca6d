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
HEADER_ITEMS = [(name, name.lower(), value) for name, value in HEADERS.items()]
# Two years, as browsers' preload lists expect; subdomains are not ours to decide.
STRICT_TRANSPORT_SECURITY = "max-age=63072000"
# Served by a view, public and the same for everyone: kept, but checked again at every use.
REVALIDATED = {"installable.service_worker"}


def add_headers(response: Response) -> Response:
    """The security headers a view has not set itself, and the caching rule.

    Every response pays this: the headers a view set are looked at once, and the missing ones
    added (werkzeug's `setdefault` looks through them all again for each, which cost the
    cheapest page more than a database query). The result is the same, in the same order.
    """
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for name, key, value in HEADER_ITEMS:
        if key not in present:
            headers.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    endpoint = request.endpoint
    if endpoint in REVALIDATED:
        headers["Cache-Control"] = "no-cache"
    elif endpoint != "static":
        headers["Cache-Control"] = "no-store"
        if "vary" in present:
            response.vary.add("Cookie")
        else:
            headers.add("Vary", "Cookie")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
