"""A manager learns nothing of a proposal the leader has not confirmed: not in the notification
settings, not by ending a declined one (an adversarial review found both)."""

import pytest

from tests.sharing import test_proposed_links as proposals

people = proposals.people  # the fixture: an administrator, Lone Leder, Mads Chef
browser, proposed = proposals.browser, proposals.proposed

pytestmark = pytest.mark.both_engines

MANAGER_SECTION = 'id="manager-title"'  # "As a manager of other leaders", any language


@pytest.mark.parametrize("declined", [False, True])
def test_the_managers_notification_settings_do_not_reveal_a_proposal(
    app, login, people, db, declined
):
    manager = browser(app, login, people["manager"])
    before = manager.get("/account/notifications").get_data(as_text=True)
    assert MANAGER_SECTION not in before
    link = proposed(people)
    if declined:
        leader = browser(app, login, people["leader"])
        leader.submit(f"/sharing/links/{link.id}/decline", page="/sharing/")
    after = manager.get("/account/notifications").get_data(as_text=True)
    assert MANAGER_SECTION not in after


def test_a_declined_proposal_answers_the_manager_404_like_any_unknown_link(app, login, people, db):
    link = proposed(people)
    leader = browser(app, login, people["leader"])
    leader.submit(f"/sharing/links/{link.id}/decline", page="/sharing/")
    manager = browser(app, login, people["manager"])
    unknown = manager.submit(f"/team/links/{link.id + 1000}/end", page="/team/")
    declined = manager.submit(f"/team/links/{link.id}/end", page="/team/")
    assert unknown.status_code == 404
    assert declined.status_code == 404
