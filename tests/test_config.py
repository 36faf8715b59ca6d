"""Configuration order, the secret key, and the database settings."""

import os
import stat

import pytest
from sqlalchemy import text

from journal import create_app
from journal.config import ensure_secret_key_file
from journal.framework import FrameworkError
from journal.models import User


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "FRAMEWORK_FILE", "MAX_CONTENT_LENGTH"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_without_a_secret_key_the_app_refuses_to_start_and_says_how(tmp_path, clean_env):
    with pytest.raises(RuntimeError) as raised:
        create_app({"INSTANCE_PATH": tmp_path})
    message = str(raised.value)
    assert "SECRET_KEY" in message and "secrets.token_hex" in message and "make run" in message


def test_the_generated_key_file_is_private_and_kept(tmp_path, clean_env):
    path = ensure_secret_key_file(str(tmp_path))
    first = path.read_text()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ensure_secret_key_file(str(tmp_path)).read_text() == first
    app = create_app({"INSTANCE_PATH": tmp_path})
    assert app.config["SECRET_KEY"] == first.strip()


def test_defaults_then_instance_file_then_environment(tmp_path, clean_env):
    (tmp_path / "config.py").write_text("SECRET_KEY = 'k' * 40\nMAX_CONTENT_LENGTH = 1000\n")
    assert create_app({"INSTANCE_PATH": tmp_path}).config["MAX_CONTENT_LENGTH"] == 1000
    clean_env.setenv("MAX_CONTENT_LENGTH", "2000")
    clean_env.setenv("SECRET_KEY", "e" * 40)
    app = create_app({"INSTANCE_PATH": tmp_path})
    assert app.config["MAX_CONTENT_LENGTH"] == 2000
    assert app.config["SECRET_KEY"] == "e" * 40


def test_sqlite_is_the_default_in_the_instance_folder(tmp_path, clean_env):
    app = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "k" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/journal.sqlite3"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_database_url_selects_postgresql_with_psycopg_and_pre_ping(tmp_path, clean_env, scheme):
    clean_env.setenv("DATABASE_URL", f"{scheme}://u:p@db.example/journal")
    app = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "k" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example/journal"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


@pytest.mark.sqlite_only
def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(app, db):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_a_long_reflection_fits_within_the_request_limits(leader_client, leader, db):
    # 100,000 characters of four-byte emoji, form-encoded, is the worst case for one entry.
    response = leader_client.submit("/account", {"name": "Lone", "notes": "🌱" * 100_000})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, leader.id).name == "Lone"


def test_an_oversized_post_gets_a_clear_page(leader_client):
    response = leader_client.submit("/account", {"name": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Fejl 413" in response.get_data(as_text=True)


MINIMAL_FRAMEWORK = """
key = "other"
name = { da = "Et andet grundlag", en = "Another framework" }

[[themes]]
key = "people"
name = { da = "Mennesker", en = "People" }
description = { da = "Om mennesker.", en = "About people." }

[[themes.tasks]]
key = "listening"
name = { da = "Lytning", en = "Listening" }
lead = { da = "Lytning handler om, at:", en = "Listening is about:" }
bullets = [{ da = "lytte først", en = "listening first" }]
"""


def test_framework_file_points_to_another_framework(tmp_path, clean_env):
    path = tmp_path / "other.toml"
    path.write_text(MINIMAL_FRAMEWORK, encoding="utf-8")
    clean_env.setenv("FRAMEWORK_FILE", str(path))
    app = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "k" * 40})
    assert [task.key for task in app.extensions["framework"].tasks] == ["listening"]


def test_a_malformed_framework_file_stops_the_app_and_names_file_and_problem(tmp_path, clean_env):
    path = tmp_path / "broken.toml"
    path.write_text(MINIMAL_FRAMEWORK.replace(', en = "Listening" }', " }"), encoding="utf-8")
    clean_env.setenv("FRAMEWORK_FILE", str(path))
    with pytest.raises(FrameworkError) as raised:
        create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "k" * 40})
    assert str(path) in str(raised.value) and "name.en" in str(raised.value)


def test_a_short_secret_key_is_refused(tmp_path, clean_env):
    clean_env.setenv("SECRET_KEY", "changeme")
    with pytest.raises(RuntimeError, match="too short"):
        create_app({"INSTANCE_PATH": tmp_path})


@pytest.mark.parametrize(("value", "secure"), [(None, True), ("0", False), ("1", True)])
def test_session_cookies_are_secure_unless_switched_off(tmp_path, clean_env, value, secure):
    if value is not None:
        clean_env.setenv("SESSION_COOKIE_SECURE", value)
    app = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "k" * 40})
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.both_engines  # each engine words its errors its own way
def test_bound_values_stay_out_of_error_messages(app, db):
    assert db.engine.hide_parameters


def test_the_instance_folder_is_made_private_even_when_it_exists(tmp_path):
    """A checkout brings `instance/` as 0755: the secret key's folder is closed to others."""
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    key = ensure_secret_key_file(str(folder))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_behind_a_proxy_the_forwarded_host_is_not_trusted(tmp_path, clean_env):
    """ProxyFix takes the client's address and scheme from the proxy, not the host name:
    nothing here needs it, and a forged one would end up in the links the app makes."""
    app = create_app(
        {"INSTANCE_PATH": tmp_path, "SECRET_KEY": "k" * 40, "PROXY_COUNT": 1, "TESTING": True}
    )
    # Another site posts writing with its own name as the host: were the forwarded host
    # believed, the post would pass for this site's own and its text be offered back.
    headers = {
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-For": "203.0.113.5",
        "Origin": "http://evil.example",
    }
    with app.test_client() as browser:
        planted = browser.post("/journal/new", data={"body": "Plantet tekst"}, headers=headers)
    assert planted.status_code == 400 and "Plantet tekst" not in planted.get_data(as_text=True)


@pytest.mark.sqlite_only
def test_the_sqlite_files_are_private_to_their_owner(tmp_path, clean_env):
    app = create_app({"INSTANCE_PATH": tmp_path / "instance", "SECRET_KEY": "k" * 40})
    with app.app_context():
        from journal.extensions import db

        db.create_all()
        db.engine.dispose()
    for path in (tmp_path / "instance").glob("journal.sqlite3*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) == 0o700


MAIL_ENV = (
    "MAIL_HOST",
    "MAIL_PORT",
    "MAIL_SECURITY",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_FROM",
    "PUBLIC_URL",
)


@pytest.fixture
def mail_env(clean_env):
    for name in MAIL_ENV:
        clean_env.delenv(name, raising=False)
    clean_env.setenv("SECRET_KEY", "k" * 40)
    return clean_env


def test_mail_is_read_from_the_environment_with_the_usual_port(tmp_path, mail_env):
    mail_env.setenv("MAIL_HOST", "esbjerg-dk.mail.protection.outlook.com")
    mail_env.setenv("MAIL_FROM", "Ledelsesjournal <ledelsesjournal@esbjerg.dk>")
    mail_env.setenv("PUBLIC_URL", "https://ledelsesjournal.esbjerg.dk/")
    config = create_app({"INSTANCE_PATH": tmp_path}).config
    assert (config["MAIL_SECURITY"], config["MAIL_PORT"]) == ("starttls", 587)
    assert config["PUBLIC_URL"] == "https://ledelsesjournal.esbjerg.dk"
    mail_env.setenv("MAIL_PORT", "25")
    assert create_app({"INSTANCE_PATH": tmp_path}).config["MAIL_PORT"] == 25
    mail_env.delenv("MAIL_PORT")
    mail_env.setenv("MAIL_SECURITY", "TLS")
    assert create_app({"INSTANCE_PATH": tmp_path}).config["MAIL_PORT"] == 465


def test_without_mail_host_mail_needs_nothing_else(tmp_path, mail_env):
    config = create_app({"INSTANCE_PATH": tmp_path}).config
    assert config["MAIL_HOST"] is None and config["MAIL_FROM"] is None


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({}, "MAIL_FROM must be the sender's address"),
        ({"MAIL_FROM": "x@esbjerg.dk"}, "PUBLIC_URL must be the site's address"),
        ({"MAIL_SECURITY": "ssl"}, "MAIL_SECURITY must be none, starttls or tls"),
        ({"MAIL_USERNAME": "journal"}, "give MAIL_USERNAME and MAIL_PASSWORD together"),
        (
            {"MAIL_SECURITY": "none", "MAIL_USERNAME": "journal", "MAIL_PASSWORD": "pw"},
            "a password is never sent without TLS",
        ),
    ],
)
def test_mail_settings_that_make_no_sense_stop_the_app_and_say_which(
    tmp_path, mail_env, settings, complaint
):
    mail_env.setenv("MAIL_HOST", "smtp.esbjerg.dk")
    if "MAIL_FROM" in settings:
        mail_env.setenv("MAIL_FROM", settings["MAIL_FROM"])
    else:
        mail_env.setenv("PUBLIC_URL", "https://ledelsesjournal.esbjerg.dk")
    for name, value in settings.items():
        mail_env.setenv(name, value)
    with pytest.raises(RuntimeError) as raised:
        create_app({"INSTANCE_PATH": tmp_path})
    assert complaint in str(raised.value)
    assert "pw" not in str(raised.value)
