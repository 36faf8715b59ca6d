"""Log-in throttling: a pause after too many failures, per account and per address, shared
by every app process, saying what to do, and never logging a password."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from journal import create_app
from journal.auth import services, throttle
from journal.extensions import db as _db
from journal.models import LoginFailure
from tests.conftest import FAST_HASH, TEST_PASSWORD, Client

pytestmark = pytest.mark.both_engines  # the database engine matters here

WRONG = "not the right password at all"
TEXT = "Tyve minutters refleksion over dagens svære samtale med æ, ø og å."


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, frozen: `clock.move(minutes=…)` moves it on."""

    class Clock:
        moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

        def __call__(self):
            return self.moment

        def move(self, **delta):
            self.moment += timedelta(**delta)

    frozen = Clock()
    monkeypatch.setattr(throttle, "now", frozen)
    return frozen


def browser(app, language: str = "en") -> Client:
    """A new browser, without a session, reading the app in `language`."""
    client = app.test_client()
    client.set_cookie("lang", language)
    return client


def attempt(app, email: str, password: str = WRONG, address: str = "127.0.0.1", **kwargs):
    """One log-in from a new browser at `address`."""
    return browser(app, **kwargs).submit(
        "/login", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def fail(app, email: str, times: int, **kwargs) -> None:
    """`times` failed log-ins, each answered with the ordinary "not right" page."""
    for _ in range(times):
        response = attempt(app, email, **kwargs)
        assert response.status_code == 200
        assert "The email or the password is not right." in response.get_data(as_text=True)


def is_logged_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def test_the_sixth_attempt_is_refused_even_with_the_right_password(app, leader, clock):
    fail(app, leader.email, 5)
    client = browser(app)
    response = client.submit("/login", {"email": leader.email, "password": TEST_PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert "Too many log-in attempts" in page
    assert "Wait 15 minutes, then try again." in page
    assert "Ask your administrator for a new one" in page
    assert 'href="/login"' in page
    assert not is_logged_in(client)


def test_the_page_is_in_danish_by_default(app, leader, clock):
    fail(app, leader.email, 5)
    response = attempt(app, leader.email, TEST_PASSWORD, language="da")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 'lang="da"' in page
    assert "Har du glemt din adgangskode? Bed din administrator om en ny." in page


def test_no_password_is_hashed_once_refused(app, leader, clock, monkeypatch):
    fail(app, leader.email, 5)
    fail(app, "nobody@esbjerg.example", 5)
    hashed = []
    monkeypatch.setattr(services, "verify_password", lambda *args: hashed.append(args))
    monkeypatch.setattr(services, "spend_hash_time", hashed.append)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 429
    assert attempt(app, "nobody@esbjerg.example").status_code == 429
    assert hashed == []


def test_unknown_emails_are_paused_as_known_ones_are(app, leader, clock):
    # Pausing only real accounts would tell an attacker which emails have one.
    fail(app, "nobody@esbjerg.example", 5)
    assert attempt(app, "nobody@esbjerg.example").status_code == 429


def test_the_account_is_counted_however_its_email_is_spelled(app, leader, clock):
    fail(app, leader.email.upper(), 3)
    fail(app, f"  {leader.email}  ", 2)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 429


def test_failures_age_out_and_retry_after_says_when(app, leader, clock):
    fail(app, leader.email, 1)
    clock.move(minutes=5)
    fail(app, leader.email, 4)
    refused = attempt(app, leader.email, TEST_PASSWORD)
    # The first failure leaves the window ten minutes from now, and one attempt is free.
    assert refused.headers["Retry-After"] == "600"
    assert "Wait 10 minutes" in refused.get_data(as_text=True)
    clock.move(minutes=9, seconds=59)
    assert attempt(app, leader.email, TEST_PASSWORD).headers["Retry-After"] == "1"
    clock.move(seconds=1)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 302


def test_expired_failures_are_deleted_as_new_ones_come(app, db, leader, clock):
    fail(app, leader.email, 3)
    fail(app, "other@esbjerg.example", 2, address="10.0.0.2")
    # Each failure counts for the account from here, the account, the address, its /24, and
    # everyone's hashing budget.
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 5 * 5
    clock.move(minutes=15)
    fail(app, leader.email, 1)
    buckets = db.session.scalars(select(LoginFailure.bucket)).all()
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        from_here = throttle.account_address_bucket(leader.email)
    expected = [
        from_here,
        throttle.account_bucket(leader.email),
        "address:127.0.0.1",
        "network:127.0.0.0/24",
        throttle.EVERYONE,
    ]
    assert sorted(buckets) == sorted(expected)
    assert all(leader.email not in bucket for bucket in buckets)  # a hash, never the email


def test_a_success_clears_the_accounts_failures(app, leader, clock):
    fail(app, leader.email, 4)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 302
    fail(app, leader.email, 4)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 302
    fail(app, leader.email, 5)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 429


def test_one_accounts_failures_lock_others_from_that_address_only_at_its_limit(
    app, leader, make_user, clock
):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 8
    other, third = make_user(name="Ole Anden"), make_user(name="Tina Tredje")
    fail(app, leader.email, 5)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 429
    # Same address, another account: still welcome, and its success clears no address count.
    assert attempt(app, other.email, TEST_PASSWORD).status_code == 302
    fail(app, third.email, 3)  # 8 failures from this address now
    assert attempt(app, other.email, TEST_PASSWORD).status_code == 429
    # From another address both are welcome: five failures pause an account from one
    # address only (see the test below for the limit across addresses).
    assert attempt(app, other.email, TEST_PASSWORD, address="10.0.0.2").status_code == 302
    assert attempt(app, leader.email, TEST_PASSWORD, address="10.0.0.2").status_code == 302


def test_failing_on_purpose_from_elsewhere_does_not_lock_the_leader_out(app, leader, clock):
    """A colleague typing wrong passwords for the leader on their own machine pauses only
    themselves, until the much looser limit across all addresses."""
    fail(app, leader.email, 5, address="10.0.0.66")
    assert attempt(app, leader.email, TEST_PASSWORD, address="10.0.0.66").status_code == 429
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 302


def test_guesses_spread_over_many_addresses_meet_the_limit_per_account(app, leader, clock):
    app.config["LOGIN_FAILURES_PER_ACCOUNT_ANYWHERE"] = 8
    for number in range(4):
        fail(app, leader.email, 2, address=f"10.0.1.{number}")
    assert attempt(app, leader.email, TEST_PASSWORD, address="10.0.2.1").status_code == 429
    clock.move(minutes=15)
    assert attempt(app, leader.email, TEST_PASSWORD, address="10.0.2.1").status_code == 302


def second_app(app, **config):
    """Another app process on the same database, as behind a load balancer."""
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "INSTANCE_PATH": app.instance_path,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PASSWORD_HASH_METHOD": FAST_HASH,
            "KEY_DERIVATION": FAST_HASH,
            **config,
        }
    )
    other.test_client_class = Client
    return other


@pytest.fixture
def other_app(app):
    """A second app on the test's database; its connections are closed afterwards."""
    made = []

    def make(**config):
        made.append(second_app(app, **config))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            _db.engine.dispose()


def test_two_app_processes_count_the_same_failures(app, leader, clock, other_app):
    other = other_app()
    fail(app, leader.email, 3)
    fail(other, leader.email, 2)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 429
    assert attempt(other, leader.email, TEST_PASSWORD).status_code == 429
    # A success on one clears the account on both.
    clock.move(minutes=15)
    assert attempt(other, leader.email, TEST_PASSWORD).status_code == 302
    fail(app, leader.email, 4)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_counted(app, make_user, clock, other_app):
    proxied = other_app(PROXY_COUNT=1, LOGIN_FAILURES_PER_ADDRESS=3)
    leaders = [make_user() for _ in range(4)]

    def attempt_via_proxy(user, password, client_address):
        return browser(proxied).submit(
            "/login",
            {"email": user.email, "password": password},
            headers={"X-Forwarded-For": client_address},
        )

    for user in leaders[:3]:
        assert attempt_via_proxy(user, WRONG, "203.0.113.7").status_code == 200
    assert attempt_via_proxy(leaders[3], TEST_PASSWORD, "203.0.113.7").status_code == 429
    assert attempt_via_proxy(leaders[3], TEST_PASSWORD, "203.0.113.8").status_code == 302


def rescue(app, user, password):
    """A leader whose session expired logs in again on the writing rescue page."""
    client = browser(app)
    token = client.csrf_token("/login")
    data = {"csrf_token": token, "email": user.email, "password": password}
    data |= {"entry_date": "2026-03-02", "title": "Lang dag", "body": TEXT}
    return client, client.post("/rescue", data={**data, "rescue_for": "entries.new"})


@pytest.mark.parametrize(
    ("remote", "bucket"),
    [
        ("2001:db8:1:2:aaaa::1", "address:2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", "address:2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "address:192.0.2.7"),
        ("192.0.2.7", "address:192.0.2.7"),
        ("x" * 300, "address:" + "x" * 64),
    ],
)
def test_ipv6_clients_count_by_their_64_network(app, remote, bucket):
    """Otherwise one IPv6 connection has 2^64 addresses to spread its guesses over."""
    with app.test_request_context("/login", environ_base={"REMOTE_ADDR": remote}):
        assert throttle.address_bucket() == bucket


@pytest.fixture
def hashes(monkeypatch):
    """Every password hash of a log-in, counted (and done, as it would be)."""
    done = []

    def counted(hash_function):
        def run(*args):
            done.append(hash_function.__name__)
            return hash_function(*args)

        return run

    monkeypatch.setattr(services, "verify_password", counted(services.verify_password))
    monkeypatch.setattr(services, "spend_hash_time", counted(services.spend_hash_time))
    return done


@pytest.mark.parametrize(
    ("setting", "guessers", "same_network", "other_network"),
    [
        # Each guesser has an IPv6 /64 of its own, all in one /56 (a household's connection).
        (
            "LOGIN_FAILURES_PER_NETWORK",
            [f"2001:db8:0:{i:x}::1" for i in range(4)],
            "2001:db8:0:ff::9",
            "2001:db8:0:100::1",
        ),
        # Each in a /56 of its own, all in one /48 (a site's).
        (
            "LOGIN_FAILURES_PER_SITE",
            [f"2001:db8:0:{i}00::1" for i in range(1, 5)],
            "2001:db8:0:f00::1",
            "2001:db8:1::1",
        ),
        # IPv4 addresses of one /24.
        (
            "LOGIN_FAILURES_PER_NETWORK",
            [f"198.51.100.{i}" for i in range(1, 5)],
            "198.51.100.200",
            "198.51.101.1",
        ),
    ],
    ids=["ipv6 /56", "ipv6 /48", "ipv4 /24"],
)
def test_guesses_spread_over_a_network_are_paused_for_the_network(
    app, leader, clock, hashes, setting, guessers, same_network, other_network
):
    app.config[setting] = len(guessers)
    for number, address in enumerate(guessers):
        fail(app, f"guess{number}@esbjerg.example", 1, address=address)
    hashes.clear()
    refused = attempt(app, leader.email, TEST_PASSWORD, address=same_network)
    assert refused.status_code == 429 and hashes == []
    assert attempt(app, leader.email, TEST_PASSWORD, address=other_network).status_code == 302


def test_past_the_minutes_hashing_budget_everyone_waits_without_a_hash(app, leader, clock, hashes):
    """Failures from everywhere together: past the budget a log-in gets a quick 429 (no
    scrypt) for the rest of the minute, even with the right password, then works again."""
    app.config["LOGIN_FAILURES_PER_MINUTE"] = 3
    for number, address in enumerate(["192.0.2.1", "2001:db8:5::1", "203.0.113.9"]):
        fail(app, f"guess{number}@esbjerg.example", 1, address=address)
    hashes.clear()
    refused = attempt(app, leader.email, TEST_PASSWORD, address="192.0.2.77")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) <= 60
    assert hashes == []
    clock.move(seconds=61)
    assert attempt(app, leader.email, TEST_PASSWORD, address="192.0.2.77").status_code == 302


def test_a_process_hashes_only_a_few_passwords_at_once(app, leader, clock, hashes):
    """With every hashing slot of the process taken (a flood), a log-in is answered at once
    with 429 rather than queued; once a slot is free, it works."""
    slots = app.extensions["hashing_slots"]
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    assert taken == app.config["PASSWORD_HASHES_AT_ONCE"]
    refused = attempt(app, leader.email, TEST_PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
    assert hashes == []
    slots.release()
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 302


def test_rescue_log_in_is_paused_too_and_keeps_the_text(app, leader, clock):
    for _ in range(5):
        _, response = rescue(app, leader, WRONG)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and TEXT in page
        assert "The email or the password is not right." in page
    client, response = rescue(app, leader, TEST_PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert TEXT in page and "Lang dag" in page  # the text is still there, to log in later
    assert "Your text is kept below: wait 15 minutes, then log in and save it." in page
    assert "The email or the password is not right." not in page
    assert not is_logged_in(client)
    # The rescue page's failures count for the log-in form too.
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 429


def test_a_new_recovery_key_is_paused_after_wrong_passwords(app, leader, leader_client, clock):
    for _ in range(5):
        response = leader_client.submit(
            "/account/recovery-key/new", {"password": WRONG}, page="/account/recovery-key"
        )
        assert "Adgangskoden er forkert." in response.get_data(as_text=True)
    response = leader_client.submit(
        "/account/recovery-key/new", {"password": TEST_PASSWORD}, page="/account/recovery-key"
    )
    assert response.status_code == 429
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("url", "field", "extra"),
    [
        (
            "/account/password",
            "current_password",
            {"password": "en helt ny lang adgangskode", "confirm": "en helt ny lang adgangskode"},
        ),
        ("/account/erase", "password", {"understood": "y"}),
    ],
)
def test_pages_that_ask_for_the_current_password_are_paused_too(
    app, leader, leader_client, clock, url, field, extra
):
    """With a session (an unlocked computer, a stolen cookie) the password must not be
    open to unlimited guessing either."""
    for _ in range(5):
        response = leader_client.submit(url, {field: WRONG, **extra})
        assert response.status_code == 200
    response = leader_client.submit(url, {field: TEST_PASSWORD, **extra})
    assert response.status_code == 429
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 429


def test_recovery_keys_on_choose_password_are_paused_after_wrong_ones(
    app, leader, make_user, clock, login
):
    recovery = make_user.recovery_keys[leader.id]
    services.reset_password(leader, "temporary password from it")
    client = browser(app)
    assert login(client, leader, password="temporary password from it").status_code == 302
    new = {"password": "a brand new password here", "confirm": "a brand new password here"}
    for _ in range(5):
        response = client.submit("/account/choose-password", {**new, "recovery_key": "A" * 32})
        assert "åbner ikke din journal" in response.get_data(as_text=True)
    response = client.submit("/account/choose-password", {**new, "recovery_key": recovery})
    assert response.status_code == 429
    assert client.get("/").headers["Location"] == "/account/choose-password"  # still locked


def test_the_log_never_holds_a_password_or_journal_text(app, leader, clock, caplog):
    caplog.set_level(logging.DEBUG)
    typed_as_email = "my secret passphrase typed in the wrong field"
    attempt(app, typed_as_email, WRONG)
    fail(app, leader.email, 4)
    assert attempt(app, leader.email, TEST_PASSWORD).status_code == 302
    fail(app, leader.email, 1, address="10.0.0.2")
    fail(app, leader.email, 4)
    rescue(app, leader, "the password typed on the rescue page")
    rescue(app, leader, "a password typed once paused")  # the sixth: refused
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (WRONG, TEST_PASSWORD, typed_as_email, "typed on the rescue", "once paused"):
        assert secret not in logged
    assert TEXT not in logged and "Lang dag" not in logged
    # What an administrator needs is there: which account, from where, what happened.
    auth = [r.getMessage() for r in caplog.records if r.name == "journal.auth"]
    assert f"log-in: account {leader.id} ({leader.email}) from 127.0.0.1" in auth
    assert f"log-in failed: account {leader.id} from 10.0.0.2" in auth
    assert any(m.startswith("log-in failed: unknown account ") for m in auth)
    assert any(
        m.startswith(f"log-in refused, too many failures: account {leader.id}") for m in auth
    )


def test_the_limits_are_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LOGIN_FAILURES_PER_ACCOUNT", "3")
    monkeypatch.setenv("LOGIN_FAILURES_PER_ADDRESS", "30")
    monkeypatch.setenv("LOGIN_FAILURE_WINDOW_MINUTES", "60")
    configured = create_app({"SECRET_KEY": "k" * 32, "INSTANCE_PATH": tmp_path})
    assert configured.config["LOGIN_FAILURES_PER_ACCOUNT"] == 3
    assert configured.config["LOGIN_FAILURES_PER_ADDRESS"] == 30
    assert configured.config["LOGIN_FAILURE_WINDOW_MINUTES"] == 60


def test_strangers_filling_the_budget_do_not_lock_out_a_browser_the_leader_used_before(
    app, leader, clock, hashes
):
    """A few networks failing on purpose use up the minute's budget: a browser without the
    known-device cookie waits, the leader's own browser (it logged in before) does not, and
    neither does a forged cookie or another account's cookie help a stranger."""
    own_browser = browser(app)
    login = {"email": leader.email, "password": TEST_PASSWORD}
    assert own_browser.submit("/login", login).status_code == 302
    assert own_browser.get_cookie("known_device").http_only
    own_browser.submit("/logout", page="/")
    app.config["LOGIN_FAILURES_PER_MINUTE"] = 3
    for number, address in enumerate(["192.0.2.1", "2001:db8:5::1", "203.0.113.9"]):
        fail(app, f"guess{number}@esbjerg.example", 1, address=address)

    assert attempt(app, leader.email, TEST_PASSWORD, address="198.51.100.9").status_code == 429
    forged = browser(app)
    forged.set_cookie("known_device", own_browser.get_cookie("known_device").value + "x")
    assert forged.submit("/login", login).status_code == 429
    other = browser(app)
    other.set_cookie("known_device", own_browser.get_cookie("known_device").value)
    stranger = {"email": "guess0@esbjerg.example", "password": WRONG}
    assert other.submit("/login", stranger).status_code == 429  # known for Lone only
    hashes.clear()
    assert own_browser.submit("/login", login).status_code == 302
    assert len(hashes) == 1


def test_a_logged_in_leader_retyping_their_password_is_not_held_by_the_budget(
    app, leader, leader_client, clock
):
    """The pages that ask a logged-in leader for the current password (here: erase) count
    against the leader's own buckets, not against strangers' failures."""
    app.config["LOGIN_FAILURES_PER_MINUTE"] = 3
    for number, address in enumerate(["192.0.2.1", "2001:db8:5::1", "203.0.113.9"]):
        fail(app, f"guess{number}@esbjerg.example", 1, address=address)
    answer = leader_client.submit("/account/erase", {"password": WRONG, "understood": "y"})
    assert answer.status_code == 200
    assert "Adgangskoden er forkert." in answer.get_data(as_text=True)
