"""The app's log: to standard error, a line each with the time, the level and the logger, for
log-ins, refused imports and administrators' actions; never a password or a leader's text."""

import io
import re

from journal.admin import services as admin

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING|ERROR) journal[.\w]*: .+$")


def lines(capfd) -> list[str]:
    """The lines written to standard error since the last call."""
    return [line for line in capfd.readouterr().err.splitlines() if line.startswith("20")]


def test_log_ins_imports_and_administrators_reach_standard_error(
    app, leader, make_user, client, login, log_in_as, capfd
):
    capfd.readouterr()
    login(client, leader, password="not the password at all")
    login(client, leader)
    browser = log_in_as(app.test_client(), leader)
    upload = {"file": (io.BytesIO(b"not json at all"), "journal.json")}
    refused = browser.submit("/account/my-data/import", upload, page="/account/my-data")
    assert refused.status_code == 302
    admin.deactivate(make_user(name="Anne", is_admin=True), make_user(name="Ole"))
    written = lines(capfd)
    assert written and all(LINE.match(line) for line in written), written
    text = "\n".join(written)
    assert f"journal.auth: log-in failed: account {leader.id}" in text
    assert f"journal.auth: log-in: account {leader.id}" in text
    assert f"journal: Import refused for user {leader.id}: not_json" in text
    assert "journal.admin: administrator" in text and "account_deactivated" in text
    assert "not the password at all" not in text
