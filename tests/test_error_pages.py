"""Every error a visitor can meet has a page in their language, with the right status."""

import pytest
from flask import abort

from journal.auth.access import public

TITLES = {
    400: ("Der var en fejl i det, der blev sendt", "Something in the request was wrong"),
    403: ("Ikke tilladt", "Not allowed"),
    404: ("Siden blev ikke fundet", "Page not found"),
    405: ("Det kan ikke lade sig gøre her", "Not possible here"),
    413: ("For meget på én gang", "Too much at once"),
    429: ("For mange forsøg", "Too many attempts"),
    500: ("Der gik noget galt hos os", "Something went wrong on our side"),
}


@pytest.fixture
def failing_app(app):
    """The app with a public route that fails with the status it is given."""

    @public
    def fail(code: int):
        if code == 500:
            raise RuntimeError("a bug")
        abort(code)

    app.add_url_rule("/fail/<int:code>", view_func=fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # serve the 500 page as production does
    return app


@pytest.mark.parametrize("code", sorted(TITLES))
@pytest.mark.parametrize("language", ["da", "en"])
def test_error_page(failing_app, client, code, language):
    client.set_cookie("lang", language)
    response = client.get(f"/fail/{code}")
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert TITLES[code][0 if language == "da" else 1] in page
    assert f'<html lang="{language}">' in page
    assert "a bug" not in page


def test_the_500_page_survives_a_failed_database_statement(app, db, leader, login, client):
    from journal.models import User

    @public
    def duplicate():
        db.session.add(User(email=leader.email, name="Copy", password_hash="x"))
        db.session.flush()  # raises IntegrityError and leaves the session to be rolled back

    app.add_url_rule("/duplicate", view_func=duplicate)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(client, leader)
    response = client.get("/duplicate")
    assert response.status_code == 500
    assert "Der gik noget galt hos os" in response.get_data(as_text=True)
