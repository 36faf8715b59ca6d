"""The layout every page shares (`templates/base.html`): its links, built once per app.

The header, the phone's Menu and the footer link to the same thirty-odd places on every
page; `url_for` builds each one anew (about 4 µs apiece, a tenth of the floor). A link
depends only on the app's routes and the root path it is served under, so the layout asks
for them here: built with `url_for` the first time, the same strings after that.
"""

from flask import Flask, has_request_context, request, url_for
from werkzeug.routing import BuildError

# Root paths remembered at most (the server sets it, SCRIPT_NAME; there is normally one).
MAX_ROOTS = 8


class LayoutUrls(dict):
    """`layout_urls['goals.index']`, `layout_urls['static/style.css']`: the link to an
    endpoint without arguments (or a static file), built the first time it is asked for.

    Only the layout's own literal names come here, a fixed set. A name that is no
    endpoint fails loudly: Jinja would otherwise show a missing key as an empty link.
    """

    def __missing__(self, name: str) -> str:
        try:
            if name.startswith("static/"):
                url = url_for("static", filename=name.removeprefix("static/"))
            else:
                url = url_for(name)
        except BuildError as error:  # a LookupError, which Jinja would swallow
            raise RuntimeError(f"the layout links to {name!r}, which is no page") from error
        self[name] = url
        return url


def init_app(app: Flask) -> None:
    """Give every template `layout_urls`, kept per root path of this app."""
    by_root: dict[str, LayoutUrls] = {}

    @app.context_processor
    def layout_context() -> dict:
        if not has_request_context():
            return {}
        root = request.script_root
        urls = by_root.get(root)
        if urls is None:
            if len(by_root) >= MAX_ROOTS:
                by_root.clear()
            urls = by_root[root] = LayoutUrls()
        return {"layout_urls": urls}
