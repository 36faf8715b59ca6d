"""The service worker, served from the site's root so that it may answer for every page."""

from flask import Blueprint, render_template, url_for

from journal.auth.access import public
from journal.installable import worker

bp = Blueprint("installable", __name__)


@bp.get("/service-worker.js")
@public
def service_worker():
    """The worker's script, naming the static files it keeps and its offline page."""
    script = render_template(
        "installable/service-worker.js",
        cache_name=worker.cache_name(),
        static_urls=worker.static_urls(),
        offline_url=url_for("static", filename=worker.OFFLINE_PAGE),
    )
    return script, {"Content-Type": "text/javascript; charset=utf-8"}
