"""Debian's nginx in front of gunicorn for the tests, configured from deploy/nginx.conf.

The site file is used as written, changed only where a test must: its addresses (free ports
on 127.0.0.1, no IPv6), the upstream's port, the log files and certificates (in a temporary
folder), and for plain HTTP its TLS lines left out. Each change must find its line, so the
file cannot drift from what is tested. nginx runs as the current user with a prefix, pid file
and temporary folders of its own: `nginx -p <folder> -c <conf> -g 'daemon off; pid …;'`.
"""

import datetime
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.postgres import free_port

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")
UPSTREAM = "server 127.0.0.1:8000;"
CERTIFICATE = "/etc/ssl/ledelsesjournal/fullchain.pem"
CERTIFICATE_KEY = "/etc/ssl/ledelsesjournal/privkey.pem"
# What Debian's /etc/nginx/nginx.conf sets for every site: the site must override both.
MAIN = """\
{user}worker_processes 1;
error_log {folder}/main-error.log;
events {{
    worker_connections 1024;
}}
http {{
    include {mime_types};
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    access_log {folder}/access.log;
    gzip on;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

{site}
}}
"""


class NginxUnavailable(Exception):
    """nginx cannot run here; the message says why."""


def nginx_binary() -> str:
    """Debian's nginx (NGINX_PATH to use another), or NginxUnavailable."""
    found = os.environ.get("NGINX_PATH") or shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).is_file() or not MIME_TYPES.is_file():
        raise NginxUnavailable(f"nginx is not installed (apt-get install nginx): {found}")
    return found


def substitute(text: str, pattern: str, replacement: str) -> str:
    """Replace every match of `pattern` (a regular expression); at least one must exist."""
    changed, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if count == 0:
        raise AssertionError(f"deploy/nginx.conf has no line matching {pattern!r}")
    return changed


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, for nginx's TLS server."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "journal.example.dk")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "certificate.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class Nginx:
    """nginx with deploy/nginx.conf in front of gunicorn on `upstream_port`: the site on
    `port` (TLS with a certificate of its own, or plain HTTP), its redirect on `http_port`."""

    def __init__(self, folder: Path, upstream_port: int, *, tls: bool):
        self.binary = nginx_binary()
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port, self.http_port = free_port(), free_port()
        self.tls = tls
        self.certificate = self_signed(folder) if tls else None
        self.conf = folder / "nginx.conf"
        self.conf.write_text(
            MAIN.format(
                user="user root root;\n" if os.geteuid() == 0 else "",
                folder=folder,
                mime_types=MIME_TYPES,
                site=self.site(upstream_port),
            )
        )
        self.process: subprocess.Popen | None = None
        self.upstream = None  # what a test serves behind it, for its own use

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.folder / "ledelsesjournal.access.log"

    @property
    def error_log(self) -> Path:
        return self.folder / "ledelsesjournal.error.log"

    def site(self, upstream_port: int) -> str:
        """deploy/nginx.conf with this test's addresses, files and certificate."""
        text = SITE.read_text()
        text = substitute(text, re.escape(UPSTREAM), f"server 127.0.0.1:{upstream_port};")
        text = substitute(text, r"^\s*listen \[::\]:.*\n", "")
        text = substitute(text, r"listen 80;", f"listen 127.0.0.1:{self.http_port};")
        text = substitute(text, r"/var/log/nginx/", f"{self.folder}/")
        if self.certificate:
            certificate, key = self.certificate
            text = substitute(text, r"listen 443 ssl;", f"listen 127.0.0.1:{self.port} ssl;")
            text = substitute(text, re.escape(CERTIFICATE), str(certificate))
            text = substitute(text, re.escape(CERTIFICATE_KEY), str(key))
        else:
            text = substitute(text, r"listen 443 ssl;", f"listen 127.0.0.1:{self.port};")
            text = substitute(text, r"^\s*ssl_\w+ .*;\n", "")
        return text

    def command(self, *extra: str) -> list[str]:
        pid = self.folder / "nginx.pid"
        return [
            *(self.binary, "-p", f"{self.folder}/", "-c", str(self.conf)),
            *("-g", f"daemon off; pid {pid};", *extra),
        ]

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t`: the configuration parses, and its files and ports can be opened."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True, check=False)

    def start(self, timeout: float = 10) -> None:
        """Start nginx and wait until it accepts connections."""
        output = (self.folder / "nginx.out").open("ab")
        self.process = subprocess.Popen(
            self.command(), stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        output.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NginxUnavailable(
                    f"nginx exited with {self.process.returncode}: "
                    + (self.folder / "nginx.out").read_text(errors="replace")
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise NginxUnavailable(f"nginx did not listen within {timeout} s")

    def stop(self) -> None:
        """A fast shutdown (SIGTERM), forced after 10 seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
