"""Fixtures for single sign-on: a real OpenID provider on 127.0.0.1 (oidc-provider-mock,
Authlib's server side), a stub provider whose ID tokens a test spoils on purpose, and the
app configured for one or the other.

The browser's part is played by two clients: the app's test client, and `requests` for the
provider's pages (its authorization form is POSTed with the subject, as a person would
choose it). The app itself talks to the provider over HTTP, as in production.
"""

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
import requests
import werkzeug.serving
from authlib.deprecate import AuthlibDeprecationWarning
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import text

from journal.extensions import db as _db
from tests.conftest import configured_app

with warnings.catch_warnings():  # its import of authlib.jose is deprecated upstream
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    import oidc_provider_mock

CLIENT_ID = "ledelsesjournal-test"
TENANT = "8f1c2d3e-0000-4000-8000-esbjerg00001"


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 (a free port) in a thread; its base URL."""
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture(scope="session")
def mock_provider() -> Iterator[str]:
    """oidc-provider-mock, requiring a nonce: its issuer URL."""
    with serve(oidc_provider_mock.app(require_nonce=True)) as url:
        yield url


@dataclass
class Stub:
    """A provider that answers what the test says: `claims` over the right ones, a
    `signing_key` other than the published one, a `nonce` of its choosing."""

    url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, auto_kid=True))
    claims: dict = field(default_factory=dict)
    signing_key: RSAKey | None = None
    nonce: str | None = None
    without_id_token: bool = False
    nonces: list = field(default_factory=list)
    subject: dict = field(
        default_factory=lambda: {
            "sub": "pairwise-stub",
            "tid": TENANT,
            "oid": "oid-stub",
            "email": "stub@esbjerg.example",
        }
    )

    def reset(self) -> None:
        self.claims, self.signing_key, self.nonce = {}, None, None
        self.without_id_token = False

    def id_token(self) -> str:
        moment = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": moment,
            "exp": moment + 300,
            "nonce": self.nonce or self.nonces[-1],
            **self.subject,
            **self.claims,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        key = self.signing_key or self.key
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, key)


def stub_app(stub: Stub) -> Flask:
    """The stub provider: discovery, keys, an authorization that says yes at once, and a
    token endpoint that hands out `stub.id_token()`."""
    app = Flask("stub_provider")

    @app.get("/.well-known/openid-configuration")
    def metadata():
        return jsonify(
            issuer=stub.url,
            authorization_endpoint=f"{stub.url}/authorize",
            token_endpoint=f"{stub.url}/token",
            jwks_uri=f"{stub.url}/jwks",
            response_types_supported=["code"],
            subject_types_supported=["pairwise"],
            id_token_signing_alg_values_supported=["RS256"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(KeySet([stub.key]).as_dict(private=False))

    @app.get("/authorize")
    def authorize():
        stub.nonces.append(request.args["nonce"])
        query = urlencode({"code": "stub-code", "state": request.args["state"]})
        return redirect(f"{request.args['redirect_uri']}?{query}")

    @app.post("/token")
    def token():
        if stub.without_id_token:
            return jsonify(access_token="stub-access", token_type="Bearer")
        return jsonify(access_token="stub-access", token_type="Bearer", id_token=stub.id_token())

    return app


@pytest.fixture(scope="session")
def stub_server() -> Iterator[Stub]:
    """The stub provider, served for the session."""
    stub = Stub()
    with serve(stub_app(stub)) as url:
        stub.url = url
        yield stub


@pytest.fixture
def stub(stub_server) -> Stub:
    """The stub provider, answering rightly until the test says otherwise."""
    stub_server.reset()
    return stub_server


def closed_port() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def sso_settings(request, mock_provider) -> dict:
    """Single sign-on as an Entra ID installation sets it up, against the real provider;
    a test changes any of it with `@pytest.mark.parametrize("sso_settings", [{…}],
    indirect=True)` ("stub" as the issuer: the stub provider; "closed": nothing there)."""
    settings = {
        "OIDC_ISSUER": mock_provider,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": "a client secret",
        "OIDC_SUBJECT_CLAIMS": "tid,oid",
        "OIDC_JIT_DOMAINS": "esbjerg.example",
        "OIDC_BUTTON_LABEL": "Esbjerg Kommune",
        "OIDC_PROVIDER_MANAGES_EMAIL": True,  # as for Entra ID
    }
    settings.update(getattr(request, "param", {}))
    if settings["OIDC_ISSUER"].startswith("stub"):  # "stub/": the stub, misnamed
        stub_url = request.getfixturevalue("stub").url
        settings["OIDC_ISSUER"] = settings["OIDC_ISSUER"].replace("stub", stub_url, 1)
    elif settings["OIDC_ISSUER"] == "closed":
        settings["OIDC_ISSUER"] = closed_port()
    return settings


@pytest.fixture
def app(backend, database_url, tmp_path, sso_settings):
    """The app with single sign-on, on a fresh database, in its app context."""
    app = configured_app(database_url, tmp_path / "instance", **sso_settings)
    with app.app_context():
        yield app
        _db.session.remove()
        if backend == "postgresql":
            tables = ", ".join(t.name for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


def entra_claims(oid: str, email: str | None, name: str = "Birgit Berg", **more) -> dict:
    """What Entra ID says of a person: tenant, object id, address, name."""
    claims = {"tid": TENANT, "oid": oid, "name": name, **more}
    if email is not None:
        claims["email"] = email
    return claims


def to_provider(client, next_url: str | None = None):
    """Click "Log in with your municipal account": the app's answer (a redirect to the
    provider's authorization page, or a refusal)."""
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return client.get(f"/login/sso{query}")


def back_from(client, provider_answer) -> object:
    """Follow the provider's redirect back to the app's callback: the app's answer."""
    location = urlsplit(provider_answer.headers["Location"])
    return client.get(f"{location.path}?{location.query}")


@pytest.fixture
def sign_in(mock_provider):
    """Sign in at the real provider as `sub` with `claims` (set as that person's claims
    first): the app's answer to the callback. `callback_only=True` returns the callback's
    path and query instead, unvisited (to replay it, say)."""

    def sign(client, sub: str, claims: dict, next_url: str | None = None, deny: bool = False):
        started = to_provider(client, next_url)
        assert started.status_code == 302, started.status_code
        authorize = started.headers["Location"]
        assert authorize.startswith(mock_provider)
        requests.put(f"{mock_provider}/users/{sub}", json=claims, timeout=10).raise_for_status()
        form = {"action": "deny"} if deny else {"sub": sub}
        answer = requests.post(authorize, data=form, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text[:500]
        return answer

    def sign_in(client, sub, claims, **kwargs):
        return back_from(client, sign(client, sub, claims, **kwargs))

    sign_in.at_provider = sign
    return sign_in
