"""`pip install .` (not editable) gives a server that serves every main page: templates,
static files, migrations, the framework file and the Danish catalogue all travel in the wheel.

The project's files (as git knows them: nothing lying around in the checkout) are copied
away and installed into a fresh virtual environment; its dependencies come from this one's,
added by a path file, so nothing is downloaded. Gunicorn then serves the installed package
from a folder that holds no checkout, and a leader logs in and opens every main page.
"""

import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.postgres import free_port

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a calm walk by the harbour"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SETUP_SCRIPT = """
from flask_migrate import upgrade
from journal import MIGRATIONS, create_app
from journal.admin import services as admin
app = create_app()
with app.app_context():
    upgrade(directory=str(MIGRATIONS))
    admin.create_account(None, "lone@esbjerg.example", "Lone Leder", {password!r},
                         is_admin=True, must_change_password=False)
"""
# Every main page a leader opens, in Danish (the default), and the static files they load.
PAGES = {
    "/": "Det øver jeg mig på",
    "/journal/": "Journal",
    "/journal/new": "Din refleksion",
    "/journal/trash": "Papirkurv",
    "/goals/": "Mål",
    "/goals/new": "Jeg øver mig på at",
    "/review/": "udviklingssamtale",
    "/sharing/": "Min leder",
    "/team/": "Mine ledere",
    "/framework/": "Refle",
    "/account": "Indstillinger",
    "/account/my-data": "Mine data",
    "/account/password": "adgangskode",
    "/account/erase": "Slet",
    "/privacy": "Privatliv",
    "/admin/users": "Konti",
    "/admin/links": "leder",
    "/admin/audit": "Log",
    "/static/style.css": "",
    "/static/journal.js": "",
    "/static/favicon.svg": "",
    # The home screen's manifest, icons, service worker and offline page (journal/installable).
    "/static/manifest.webmanifest": "Ledelsesjournal",
    "/service-worker.js": "/static/offline.html",
    "/static/offline.html": "Intet er gået tabt",
}


def tracked_files() -> list[str]:
    """The project's files as git knows them (a source tarball's worth)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [name for name in listing.decode().split("\0") if name]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the project installed from a copy of its sources."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: the project's files cannot be listed")
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    for name in tracked_files():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # This environment's packages (not its .pth files: no editable checkout comes along).
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"),
            *("--no-deps", "--no-build-isolation", "--no-index", str(source)),
        ],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(source)  # nothing of the sources is left to fall back on
    return python


def test_the_installed_package_is_not_the_checkout(installed, tmp_path):
    found = subprocess.run(
        [installed, "-c", "import journal; print(journal.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "site-packages" in found and str(ROOT) not in found


@pytest.fixture
def server(installed, tmp_path):
    """Gunicorn serving the installed package on a free port, on a new SQLite database."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")},
        "SECRET_KEY": "installed-secret-" + "k" * 32,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SESSION_COOKIE_SECURE": "0",
    }
    # Cheap password hashing (the instance folder's config.py, read as in production): the
    # test is about what the package carries, not about scrypt on a busy machine.
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text(
        'PASSWORD_HASH_METHOD = "scrypt:1024:8:1"\nKEY_DERIVATION = "scrypt:1024:8:1"\n'
    )
    setup = SETUP_SCRIPT.format(password=PASSWORD)
    subprocess.run([installed, "-c", setup], cwd=tmp_path, env=env, check=True)
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [installed, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "journal:create_app()"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a busy machine boots gunicorn slowly
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/login", timeout=10).close()  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def test_gunicorn_serves_every_main_page_from_the_installed_package(server):
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def get(path: str) -> tuple[int, str]:
        with browser.open(server + path, timeout=30) as response:
            return response.status, response.read().decode()

    _, login_page = get("/login")
    assert 'lang="da"' in login_page and "Log ind" in login_page
    form = {
        "csrf_token": CSRF.search(login_page).group(1),
        "email": "lone@esbjerg.example",
        "password": PASSWORD,
    }
    with browser.open(server + "/login", urllib.parse.urlencode(form).encode(), timeout=60) as r:
        key_page = r.read().decode()  # the first log-in makes the keys: the recovery key page
    assert "/account/recovery-key" in r.url
    kept = {"csrf_token": CSRF.search(key_page).group(1), "kept": "y"}
    with browser.open(
        server + "/account/recovery-key/confirm", urllib.parse.urlencode(kept).encode(), timeout=30
    ):
        pass
    failures = {}
    for path, text in PAGES.items():
        status, page = get(path)
        if status != 200 or text not in page:
            failures[path] = status
    assert failures == {}
