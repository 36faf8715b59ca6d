"""The municipality's OpenID provider, spoken to through Authlib's Flask client.

The checks that matter are the library's, not ours: the state against the one kept in
this browser's session (and used once), PKCE (S256), the ID token's signature against the
provider's published keys, its issuer, audience, expiry and nonce. This module sets them up
strictly (Authlib checks the audience only when asked), turns every way the exchange can
fail into a `Refused` with a reason, and logs the reason with nothing but the issuer.
"""

import logging
import time

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request, session
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

log = logging.getLogger("journal.sso")

NAME = "oidc"  # Authlib's name for the client: its session keys are "_state_oidc_<state>"
TIMEOUT_SECONDS = 10  # per request to the provider: a slow provider is an unreachable one
FLOW_SECONDS = 10 * 60  # from the redirect to the provider until its answer comes back
FLOW = "sso_flow"  # session key: when this browser set out, and where it goes afterwards
# Longest parameters the callback accepts: Entra's codes run to about 2,000 characters.
MAX_PARAMETER = {"code": 4096, "state": 128, "error": 64, "session_state": 256, "iss": 512}
MAX_QUERY = 8192


class Refused(Exception):
    """The sign-in cannot go on; `reason` names why for the page and the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def init_app(app: Flask) -> None:
    """Register the provider's client when single sign-on is configured (OIDC_ISSUER)."""
    issuer = app.config["OIDC_ISSUER"]
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT_SECONDS,
        },
    )


def is_configured() -> bool:
    """Whether this installation signs in with an OpenID provider."""
    return bool(current_app.config["OIDC_ISSUER"])


def issuer() -> str:
    """The provider's issuer as configured: what identities are bound to."""
    return current_app.config["OIDC_ISSUER"]


def _client():
    return current_app.extensions["authlib.integrations.flask_client"].create_client(NAME)


def _metadata() -> dict:
    """The provider's metadata (fetched once per process); Refused if it cannot be had or
    names another issuer than the configured one (OpenID Connect Discovery, 4.3)."""
    try:
        metadata = _client().load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise refused("unreachable", error) from error
    if metadata.get("issuer") != issuer():
        raise refused("metadata")
    return metadata


def begin(redirect_uri: str, next_page: str) -> Response:
    """The redirect to the provider, with a fresh state, nonce and PKCE verifier kept in
    this browser's session; where to go after signing in is kept beside them."""
    _metadata()
    try:
        response = _client().authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError, RuntimeError) as error:
        raise refused("unreachable", error) from error
    session[FLOW] = {"at": int(time.time()), "next": next_page}
    return response


def check_callback_size() -> None:
    """Refuse a callback whose parameters no provider sends, before any other work."""
    if len(request.query_string) > MAX_QUERY:
        raise refused("oversized")
    for name, limit in MAX_PARAMETER.items():
        if len(request.args.get(name, "")) > limit:
            raise refused("oversized")


def finish() -> tuple[dict, str]:
    """The checked claims of the ID token this callback brings, and where to go next.

    Refused when the provider reports an error, when the state is missing, unknown or used,
    when the flow is older than FLOW_SECONDS, when the provider cannot be reached, and when
    the ID token fails any of the library's checks.
    """
    check_callback_size()
    if request.args.get("error"):
        raise refused("provider_error")
    flow = session.pop(FLOW, None)
    if not request.args.get("state") or not request.args.get("code"):
        raise refused("state")
    if not isinstance(flow, dict) or not isinstance(flow.get("at"), int):
        raise refused("state")
    if time.time() - flow["at"] > FLOW_SECONDS:
        raise refused("expired")
    metadata = _metadata()
    options = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
        "sub": {"essential": True},
    }
    try:
        token = _client().authorize_access_token(claims_options=options)
    except OAuthError as error:  # a missing or used state; the token endpoint's error
        raise refused("state" if error.error == "mismatching_state" else "token", error) from error
    except JoseError as error:  # the ID token: signature, issuer, audience, expiry, nonce
        raise refused("token", error) from error
    except (requests.RequestException, ValueError, RuntimeError) as error:
        raise refused("unreachable", error) from error
    claims = token.get("userinfo")
    if not claims:  # a token answer without an ID token: nothing proves who this is
        raise refused("token")
    return dict(claims), str(flow.get("next") or "")


def refused(reason: str, error: Exception | None = None) -> Refused:
    """A `Refused`, logged with the reason, the issuer and the kind of error, nothing more
    (no token, no claim, no message that could quote either)."""
    kind = f" ({type(error).__name__})" if error is not None else ""
    level = logging.WARNING if reason in ("token", "metadata", "oversized") else logging.INFO
    log.log(level, "single sign-on refused: %s%s, issuer %s", reason, kind, issuer())
    return Refused(reason)
