"""The search index kept between searches: always current, only ever sealed, bounded."""

from datetime import date

import pytest
from sqlalchemy import update

from journal import journal_key
from journal.entries import listing, search_index, services
from journal.entries.search import parse_query
from journal.models import Entry
from tests.entries.test_journal_list import add_entries, counting_queries

pytestmark = pytest.mark.both_engines  # the database engine matters here


def found(user, text, **filters) -> list[int]:
    """The ids a search finds, as the journal page asks for them."""
    query = parse_query(text)
    return [
        hit.id for hit in search_index.search_entries(user, listing.EntryFilter(**filters), query)
    ]


def kept(user):
    """The leader's index as this process keeps it between requests."""
    return search_index.indexes()._sealed.get(user.id)


def test_an_edit_is_found_at_once_and_the_old_words_are_not(leader, make_entry):
    entry = make_entry(leader, title="Budget", body="Vi talte om tillid i teamet.")
    make_entry(leader, body="Et møde om budgettet.")
    assert found(leader, "tillid") == [entry.id]
    assert kept(leader) is not None  # the next searches use the index

    services.update_entry(
        leader,
        entry,
        version=entry.version,
        entry_date=entry.entry_date,
        title="Budget",
        body="Vi talte om uddelegering.",
        task_keys=[],
        starred=False,
    )
    assert found(leader, "tillid") == []
    assert found(leader, "uddelegering") == [entry.id]


def test_new_trashed_and_restored_entries_are_searched_as_they_are_now(leader, make_entry):
    first = make_entry(leader, body="Tillid først.")
    assert found(leader, "tillid") == [first.id]
    second = make_entry(leader, body="Tillid igen, og tillid.")
    assert found(leader, "tillid") == [second.id, first.id]
    services.trash_entry(leader, first)
    assert found(leader, "tillid") == [second.id]
    services.restore_entry(leader, first)
    assert found(leader, "tillid") == [second.id, first.id]
    services.trash_entry(leader, second)
    services.delete_forever(leader, second)
    assert found(leader, "tillid") == [first.id]


def test_filters_apply_to_the_kept_index(leader, make_entry):
    tagged = make_entry(leader, body="Tillid.", task_keys=["vision"], entry_date=date(2025, 3, 1))
    other = make_entry(leader, body="Tillid.", entry_date=date(2025, 4, 1))
    assert found(leader, "tillid") == [other.id, tagged.id]
    assert found(leader, "tillid", task_keys=["vision"]) == [tagged.id]
    assert found(leader, "tillid", date_from=date(2025, 3, 15)) == [other.id]


def test_many_changes_build_the_index_again(leader, db, make_entry):
    make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    before = kept(leader)
    add_entries(db, leader, search_index.REBUILD_AFTER + 1)
    assert len(found(leader, "tekst")) == search_index.REBUILD_AFTER + 1
    assert kept(leader) is not before and len(kept(leader).nonces) == search_index.REBUILD_AFTER + 2


def test_a_few_changes_are_searched_beside_the_index(leader, db, make_entry):
    make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    before = kept(leader)
    add_entries(db, leader, 3)
    assert len(found(leader, "tekst")) == 3
    assert kept(leader) is before


def test_the_index_holds_no_text_in_plain(leader, make_entry):
    make_entry(leader, title="Hemmelig overskrift", body="Min chef må aldrig læse dette.")
    assert found(leader, "chef")
    sealed = kept(leader)
    for value in (sealed.folded, sealed.text):
        for word in (b"hemmelig", b"Hemmelig", b"chef", b"aldrig", "læse".encode()):
            assert word not in value
    assert b"aldrig" in leader_key_opens(leader, sealed.folded, "folded")


def leader_key_opens(user, sealed: bytes, part: str) -> bytes:
    return journal_key.journal_key(user).open_index(part, sealed)


def test_an_index_that_does_not_open_with_the_key_is_built_again(leader, make_user, make_entry):
    make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    # The leader started a new journal: a new data key, the old index cannot open.
    journal_key.use_for_request(journal_key.JournalKey(leader.id, b"\x07" * 32))
    indexes = search_index.indexes()
    assert indexes.get(journal_key.journal_key(leader)) is None
    assert kept(leader) is None and indexes.size == 0


def test_another_leaders_key_never_opens_an_index(leader, make_user, make_entry):
    other = make_user(name="Anden Leder")
    make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    with pytest.raises(search_index.CannotOpen):
        journal_key.journal_key(other).open_index("folded", kept(leader).folded)


def test_indexes_stay_within_their_bytes_least_recently_used_out(app, make_user, make_entry):
    leaders = [make_user(name=f"Leder {n}") for n in range(4)]
    for leader in leaders:
        make_entry(leader, body="Tillid. " * 2000)  # 16,000 characters each
    for leader in leaders[:3]:
        found(leader, "tillid")
    indexes = search_index.indexes()
    one = kept(leaders[0]).size
    indexes.max_bytes = 2 * one + one // 2
    found(leaders[0], "tillid")  # used: now the most recent
    found(leaders[3], "tillid")  # a new index: the least recently used go until it fits
    assert [kept(leader) is not None for leader in leaders] == [True, False, False, True]
    assert indexes.size == 2 * one <= indexes.max_bytes


def test_no_index_is_kept_when_switched_off(app, leader, make_entry):
    search_index.indexes().max_bytes = 0
    entry = make_entry(leader, body="Tillid.")
    assert found(leader, "tillid") == [entry.id]
    assert kept(leader) is None


def test_logout_forgets_the_index(leader_client, leader, make_entry):
    make_entry(leader, body="Tillid.")
    assert "Tillid" in leader_client.get("/journal/?q=tillid").get_data(as_text=True)
    assert kept(leader) is not None
    leader_client.submit("/logout", page="/")
    assert kept(leader) is None


def test_a_damaged_entry_is_left_out_of_the_index(leader, db, make_entry):
    good = make_entry(leader, body="Tillid.")
    bad = make_entry(leader, body="Tillid.")
    db.session.execute(update(Entry).where(Entry.id == bad.id).values(sealed=b"\x01" + b"0" * 40))
    db.session.commit()
    assert found(leader, "tillid") == [good.id]
    assert found(leader, "tillid") == [good.id]  # from the index now


def test_a_search_with_a_current_index_costs_the_same_queries_at_any_size(
    leader_client, leader, db
):
    add_entries(db, leader, 5)
    leader_client.get("/journal/?q=tekst")
    with counting_queries(db.engine) as few:
        assert leader_client.get("/journal/?q=tekst").status_code == 200
    add_entries(db, leader, 2 * search_index.REBUILD_AFTER, start=date(2025, 1, 1))
    leader_client.get("/journal/?q=tekst")  # builds the index again
    with counting_queries(db.engine) as many:
        assert leader_client.get("/journal/?q=tekst").status_code == 200
    assert len(many) == len(few)
