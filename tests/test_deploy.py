"""deploy/ as written: `make run`'s gunicorn, the systemd unit's gunicorn behind nginx with
deploy/nginx.conf (TLS, with a certificate of the test's own), and the unit itself.

What a leader searched for (GET /journal/?q=…) reaches no log; nginx hands the app its
limits on request bodies and says that requests came over HTTPS. Without nginx (or
systemd-analyze, for the unit) these tests are skipped with a message; in CI (`CI=true`)
they fail instead, and `.ci/run` installs both.
"""

import http.client
import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.nginx import Nginx, NginxUnavailable
from tests.postgres import free_port

pytestmark = pytest.mark.xdist_group("deploy")  # one worker starts the servers, once

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "ledelsesjournal.service"
MAIL_UNIT = ROOT / "deploy" / "ledelsesjournal-notifications.service"
MAIL_TIMER = ROOT / "deploy" / "ledelsesjournal-notifications.timer"
BIN = Path(sys.executable).parent
MIB = 1024 * 1024
SEARCH = "/journal/?q=hemmeligt+ord"
SECRET = "hemmeligt"
# systemd-analyze's checks that the unit must pass (`security --json`): its own user, no
# privileges to gain, the system read-only, no other users' files, a private /tmp, no devices,
# no kernel settings, namespaces, real-time, set-uid files or foreign system calls.
HARDENING = {
    "User=/DynamicUser=",
    "NoNewPrivileges=",
    "CapabilityBoundingSet=~CAP_SYS_ADMIN",
    "AmbientCapabilities=",
    "ProtectSystem=",
    "ProtectHome=",
    "PrivateTmp=",
    "PrivateDevices=",
    "ProtectProc=",
    "ProtectKernelTunables=",
    "ProtectKernelModules=",
    "ProtectKernelLogs=",
    "ProtectControlGroups=",
    "ProtectClock=",
    "RestrictNamespaces=~user",
    "RestrictRealtime=",
    "RestrictSUIDSGID=",
    "RestrictAddressFamilies=~AF_PACKET",
    "LockPersonality=",
    "SystemCallArchitectures=",
    "UMask=",
}
# Where the unit expects things on a server, and where they are here.
UNIT_PATHS = {
    "/srv/ledelsesjournal/venv/bin/gunicorn": str(BIN / "gunicorn"),
    "/srv/ledelsesjournal/venv/bin/flask": str(BIN / "flask"),
    "/etc/ledelsesjournal/gunicorn.conf.py": str(ROOT / "deploy" / "gunicorn.conf.py"),
}


def unavailable(reason: str):
    """Skip, or fail under CI, where these tests are mandatory."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"The deployment tests are mandatory in CI, but {reason}")
    pytest.skip(f"Deployment test skipped: {reason}")


def make_run_command(port: int) -> tuple[dict, list[str]]:
    """The environment and command with which `make run` starts gunicorn (`make -n run`)."""
    if shutil.which("make") is None:
        unavailable("make is not installed")
    printed = subprocess.run(
        ["make", "-n", "run", f"BIN={BIN}", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")
    line = next(line for line in printed.splitlines() if "/gunicorn " in line)
    words = shlex.split(line)
    env = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=.*", word))
    return env, words[len(env) :]


def service_command(port: int) -> list[str]:
    """The unit's ExecStart, with this machine's paths and port."""
    text = UNIT.read_text().replace("\\\n", " ")
    command = re.search(r"^ExecStart=(.*)$", text, re.MULTILINE).group(1)
    for path in ("/srv/ledelsesjournal/venv/bin/gunicorn", "/etc/ledelsesjournal/gunicorn.conf.py"):
        assert path in command, f"ExecStart no longer uses {path}"
        command = command.replace(path, UNIT_PATHS[path])
    assert "127.0.0.1:8000" in command
    return shlex.split(command.replace("127.0.0.1:8000", f"127.0.0.1:{port}"))


class Gunicorn:
    """A gunicorn started with `command`, its output (the access log) in `log`."""

    def __init__(self, folder: Path, env: dict, command: list[str], port: int):
        self.log, self.port = folder / f"gunicorn-{port}.log", port
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css", timeout=5)
                return
            except OSError:  # not listening yet, or its workers still starting
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn did not start: {self.log.read_text()}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        """A normal shutdown (SIGTERM), forced after 30 seconds."""
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_for(path: Path, text: str) -> str:
    """The file's text once `text` is in it: a log line is written after its answer."""
    deadline = time.monotonic() + 10
    while True:
        content = path.read_text(errors="replace") if path.exists() else ""
        if text in content or time.monotonic() > deadline:
            return content
        time.sleep(0.05)


@pytest.fixture(scope="module")
def app_env(tmp_path_factory, sqlite_template) -> dict:
    """An instance folder with an empty database, the app's settings for a server."""
    instance = tmp_path_factory.mktemp("deploy") / "instance"
    instance.mkdir()
    shutil.copyfile(sqlite_template, instance / "journal.sqlite3")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
    env.update(SECRET_KEY="deploy-test-" + "k" * 32, INSTANCE_PATH=str(instance))
    return env


@pytest.fixture(scope="module")
def make_run(app_env, tmp_path_factory):
    """gunicorn exactly as `make run` starts it."""
    port = free_port()
    settings, command = make_run_command(port)
    server = Gunicorn(tmp_path_factory.mktemp("make-run"), {**app_env, **settings}, command, port)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nginx(app_env, tmp_path_factory):
    """The unit's gunicorn, with PROXY_COUNT=1 as deploy/environment.example, behind nginx;
    the gunicorn as `nginx.upstream`."""
    folder = tmp_path_factory.mktemp("service")
    port = free_port()
    try:
        proxy = Nginx(folder / "nginx", port, tls=True)
    except NginxUnavailable as error:
        unavailable(str(error))
    checked = proxy.check()
    assert checked.returncode == 0, checked.stderr
    proxy.upstream = Gunicorn(folder, {**app_env, "PROXY_COUNT": "1"}, service_command(port), port)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()
        proxy.upstream.stop()


def https(proxy: Nginx) -> http.client.HTTPSConnection:
    """A connection to nginx that trusts its test certificate."""
    context = ssl.create_default_context(cafile=str(proxy.certificate[0]))
    return http.client.HTTPSConnection("127.0.0.1", proxy.port, context=context, timeout=30)


def send(connection, method: str, path: str, headers=None, body: bytes | None = None):
    """One request; (status, headers, body) of its answer."""
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    answer = (response.status, response.headers, response.read())
    connection.close()
    return answer


def test_make_run_logs_paths_without_search_words(make_run):
    def plain():
        return http.client.HTTPConnection("127.0.0.1", make_run.port, timeout=10)

    assert send(plain(), "GET", SEARCH)[0] == 302  # to the log-in page
    referer = {"Referer": f"http://127.0.0.1:{make_run.port}{SEARCH}"}
    assert send(plain(), "GET", "/static/style.css", referer)[0] == 200

    log = wait_for(make_run.log, "/static/style.css")
    assert '"GET /journal/ HTTP/1.1" 302' in log
    assert '"GET /static/style.css HTTP/1.1" 200' in log
    assert SECRET not in log and "q=" not in log


def test_nginx_and_the_service_log_paths_without_search_words(nginx):
    assert send(https(nginx), "GET", SEARCH)[0] == 302
    referer = {"Referer": f"https://journal.example.dk{SEARCH}"}
    assert send(https(nginx), "GET", "/static/style.css", referer)[0] == 200
    redirect = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    assert send(redirect, "GET", SEARCH, referer)[0] == 301

    access = wait_for(nginx.access_log, "/static/style.css")
    assert '"GET /journal/ HTTP/1.1" 302' in access
    assert '"GET /static/style.css HTTP/1.1" 200' in access
    assert '"GET /journal/ HTTP/1.1" 301' in access
    app = wait_for(nginx.upstream.log, "/static/style.css")
    assert '"GET /journal/ HTTP/1.0" 302' in app
    for log in (access, app, nginx.error_log.read_text()):
        assert SECRET not in log and "q=" not in log
    # Debian's nginx.conf logs every site to its access.log, unless the site says otherwise.
    assert (nginx.folder / "access.log").read_text() == ""


def test_a_failed_upstream_leaves_no_search_words_in_the_error_log(tmp_path):
    try:
        proxy = Nginx(tmp_path, free_port(), tls=False)  # nothing listens there
    except NginxUnavailable as error:
        unavailable(str(error))
    proxy.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
        assert send(connection, "GET", SEARCH)[0] == 502
    finally:
        proxy.stop()  # its logs are complete once it has stopped
    assert '"GET /journal/ HTTP/1.1" 502' in proxy.access_log.read_text()
    assert SECRET not in proxy.error_log.read_text()


def test_the_app_knows_requests_came_over_https(nginx):
    status, headers, _ = send(https(nginx), "GET", "/static/style.css")
    assert status == 200
    # Sent by the app only for requests it sees as HTTPS: X-Forwarded-Proto reached it.
    assert headers["Strict-Transport-Security"] == "max-age=63072000"
    assert headers["Server"] == "nginx"  # no version


def test_plain_http_is_sent_to_https(nginx):
    connection = http.client.HTTPConnection("127.0.0.1", nginx.http_port, timeout=10)
    status, headers, _ = send(connection, "GET", "/journal/new", {"Host": "attacker.example"})
    assert status == 301
    assert headers["Location"] == "https://journal.example.dk/journal/new"


def test_a_body_just_over_the_apps_limit_gets_the_apps_own_page(nginx):
    body = b"body=" + b"x" * (4 * MIB - 4)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, headers, page = send(https(nginx), "POST", "/journal/new", form, body)
    assert status == 413
    assert "Content-Security-Policy" in headers  # the app's answer, not nginx's
    assert "For meget på én gang" in page.decode()


@pytest.mark.parametrize(
    ("path", "limit"), [("/journal/new", 5 * MIB), ("/account/my-data/import", 65 * MIB)]
)
def test_larger_bodies_are_refused_by_nginx_before_they_are_read(nginx, path, limit):
    connection = https(nginx)
    connection.putrequest("POST", path)
    connection.putheader("Content-Length", str(limit + 1))
    connection.endheaders()  # and not a byte of the body
    response = connection.getresponse()
    assert response.status == 413
    assert "Content-Security-Policy" not in response.headers  # nginx's answer
    connection.close()


def test_an_import_over_5_mib_reaches_the_app(nginx):
    body = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="journal.zip"\r\n'
        b"Content-Type: application/zip\r\n\r\n" + b"z" * (6 * MIB) + b"\r\n--x--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    status, headers, page = send(https(nginx), "POST", "/account/my-data/import", headers, body)
    assert status != 413, page
    assert "Content-Security-Policy" in headers  # answered by the app


def test_the_unit_passes_systemd_analyze(tmp_path):
    if shutil.which("systemd-analyze") is None:
        unavailable("systemd-analyze is not installed (apt-get install systemd)")
    unit = tmp_path / UNIT.name
    text = UNIT.read_text()
    for path, here in UNIT_PATHS.items():
        text = text.replace(path, here)
    unit.write_text(text)
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    # A misspelt hardening option is only warned about, and then protects nothing.
    assert (verified.returncode, verified.stderr) == (0, "")
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--json=short", str(unit)],
        capture_output=True,
        text=True,
        check=True,
    )
    passed = {check["name"] for check in json.loads(security.stdout) if check["set"]}
    assert HARDENING - passed == set()
    for setting in ("ProtectSystem=strict", "StateDirectory=ledelsesjournal", "EnvironmentFile="):
        assert re.search(f"^{setting}", text, re.MULTILINE), setting


def unit_here(unit: Path, folder: Path) -> Path:
    """A copy of `unit` in `folder` with this machine's paths."""
    text = unit.read_text()
    for path, here in UNIT_PATHS.items():
        text = text.replace(path, here)
    copy = folder / unit.name
    copy.write_text(text)
    return copy


def settings_of(unit: Path) -> dict[str, str]:
    """A unit's `Key=value` lines (the last of each key)."""
    return dict(re.findall(r"^(\w+)=(.*)$", unit.read_text(), re.MULTILINE))


def test_the_mail_timer_and_its_service_pass_systemd_analyze(tmp_path):
    if shutil.which("systemd-analyze") is None:
        unavailable("systemd-analyze is not installed (apt-get install systemd)")
    service, timer = unit_here(MAIL_UNIT, tmp_path), unit_here(MAIL_TIMER, tmp_path)
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(service), str(timer)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (verified.returncode, verified.stderr) == (0, "")
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--json=short", str(service)],
        capture_output=True,
        text=True,
        check=True,
    )
    passed = {check["name"] for check in json.loads(security.stdout) if check["set"]}
    assert HARDENING - passed == set()
    # One run at a time, as the app server's user, with its settings and instance folder.
    mail, app_server = settings_of(MAIL_UNIT), settings_of(UNIT)
    assert mail["Type"] == "oneshot"
    for key in ("User", "Group", "EnvironmentFile", "WorkingDirectory", "StateDirectory"):
        assert mail[key] == app_server[key], key
    assert mail["ExecStart"].endswith("--app journal:create_app() notifications send")
    # Every 5 minutes, a missed run made up, and servers spread over half a minute.
    every = settings_of(MAIL_TIMER)
    assert every["OnCalendar"] == "*:0/5" and every["Persistent"] == "true"
    assert 0 < int(every["RandomizedDelaySec"]) <= 60


def test_the_mail_service_runs_its_command(app_env, tmp_path):
    """The unit's ExecStart as systemd would run it (without MAIL_HOST: it says so, exit 0)."""
    command = settings_of(unit_here(MAIL_UNIT, tmp_path))["ExecStart"]
    ran = subprocess.run(
        shlex.split(command), cwd=ROOT, env=app_env, capture_output=True, text=True
    )
    assert ran.returncode == 0, ran.stderr
    assert "Mail is not set up (no MAIL_HOST)" in ran.stdout
