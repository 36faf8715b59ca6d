"""The layout every page shares (`templates/base.html`): its links, built once per app.

The header, the phone's Menu and the footer link to the same thirty-odd places on every
page; `url_for` builds each one anew (about 4 µs apiece, a tenth of the floor). A link
depends only on the app's routes and the root path it is served under, so the layout asks
for them here: built with `url_for` the first time, the same strings after that.
"""

from flask import Flask, has_request_context, request, url_for

# Endpoints the layout links to, none with arguments.
ENDPOINTS = (
    "dashboard.index",
    "entries.index",
    "entries.new",
    "goals.index",
    "review.index",
    "framework.index",
    "sharing.index",
    "sharing.team",
    "auth.account",
    "auth.change_password",
    "auth.switch_language",
    "auth.logout",
    "auth.privacy",
    "notifications.settings",
    "unlock.factors",
    "admin.users",
    "installable.service_worker",
)
STATIC_FILES = (
    "favicon.svg",
    "icons/apple-touch-icon.png",
    "manifest.webmanifest",
    "style.css",
    "journal.js",
)
# Root paths remembered at most (the server sets it, SCRIPT_NAME; there is normally one).
MAX_ROOTS = 8


def build_urls() -> dict[str, str]:
    """The layout's links for this request's root path: by endpoint, static files as
    "static/<name>"."""
    urls = {endpoint: url_for(endpoint) for endpoint in ENDPOINTS}
    for name in STATIC_FILES:
        urls[f"static/{name}"] = url_for("static", filename=name)
    return urls


def init_app(app: Flask) -> None:
    """Give every template `layout_urls`, built once per root path of this app."""
    by_root: dict[str, dict[str, str]] = {}

    @app.context_processor
    def layout_context() -> dict:
        if not has_request_context():
            return {}
        root = request.script_root
        urls = by_root.get(root)
        if urls is None:
            if len(by_root) >= MAX_ROOTS:
                by_root.clear()
            urls = by_root[root] = build_urls()
        return {"layout_urls": urls}
