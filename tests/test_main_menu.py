"""The main menu: every part of the journal one click away, and the part one is in marked."""

import re

import pytest


def main_menu(client, path: str) -> tuple[list[str], list[str]]:
    """The main menu's link texts on a page, and the ones marked as the current page."""
    page = client.get(path).get_data(as_text=True)
    nav = re.search(r'<nav class="main-nav".*?</nav>', page, re.S).group(0)
    links = re.findall(r"<a ([^>]*)>([^<]+)", nav)
    return [text.strip() for _attrs, text in links], [
        text.strip() for attrs, text in links if 'aria-current="page"' in attrs
    ]


def test_my_manager_and_sharing_is_in_the_main_menu(leader_client):
    links, current = main_menu(leader_client, "/sharing/")
    assert "Min leder" in links and current == ["Min leder"]
    page = leader_client.get("/").get_data(as_text=True)
    assert re.search(r'<nav class="main-nav".*href="/sharing/"', page, re.S)


@pytest.mark.parametrize(
    ("path", "marked"),
    [
        ("/account/my-data", []),  # My data belongs to the settings, not to the review
        ("/account", []),
        ("/review/", ["Udviklingssamtale"]),
        ("/agenda/", ["Udviklingssamtale"]),  # the agenda for the conversation belongs to it
        ("/goals/", ["Mål"]),
    ],
)
def test_the_menu_marks_only_the_part_one_is_in(leader_client, path, marked):
    assert main_menu(leader_client, path)[1] == marked
