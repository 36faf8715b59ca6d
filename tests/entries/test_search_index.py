"""The search index kept in the database: always current, only ever sealed, and a search
costs the same few statements whatever the journal's size."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from journal import journal_key
from journal.crypto import CannotOpen
from journal.database import atomic
from journal.entries import listing, search_index, services
from journal.entries.search import parse_query
from journal.models import Entry, SearchDelta, SearchGone, SearchMeta, SearchShard
from journal.my_data import services as my_data
from tests.entries.scan import Document, rank, search
from tests.entries.test_journal_list import add_entries, counting_queries

pytestmark = pytest.mark.both_engines  # the database engine matters here


def found(user, text, **filters) -> list[int]:
    """The ids a search finds, as the journal page asks for them (the first page)."""
    results = search_index.search_entries(
        user, listing.EntryFilter(**filters), parse_query(text), limit=1000
    )
    assert results.total == len(results.hits)
    return [hit.id for hit in results.hits]


def rows(db, model, user) -> list:
    return db.session.scalars(select(model).where(model.owner_id == user.id)).all()


def generation(db, user) -> int | None:
    return db.session.scalar(select(SearchMeta.generation).where(SearchMeta.owner_id == user.id))


def edit(user, entry, body, title=""):
    return services.update_entry(
        user,
        entry,
        version=entry.version,
        entry_date=entry.entry_date,
        title=title,
        body=body,
        task_keys=[],
        starred=False,
    )


def test_an_edit_is_found_at_once_and_the_old_words_are_not(leader, make_entry):
    entry = make_entry(leader, title="Budget", body="Vi talte om tillid i teamet.")
    make_entry(leader, body="Et møde om budgettet.")
    assert found(leader, "tillid") == [entry.id]
    edit(leader, entry, "Vi talte om uddelegering.", title="Budget")
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


def test_filters_apply_to_the_index(leader, make_entry):
    tagged = make_entry(leader, body="Tillid.", task_keys=["vision"], entry_date=date(2025, 3, 1))
    other = make_entry(leader, body="Tillid.", entry_date=date(2025, 4, 1))
    assert found(leader, "tillid") == [other.id, tagged.id]
    assert found(leader, "tillid", task_keys=["vision"]) == [tagged.id]
    assert found(leader, "tillid", date_from=date(2025, 3, 15)) == [other.id]


def test_the_index_is_built_at_the_first_search_and_survives_it(leader, db, make_entry):
    make_entry(leader, body="Tillid.")
    assert generation(db, leader) is None  # a leader who never searched has no index
    assert rows(db, SearchDelta, leader) == []  # … and saving writes nothing for it
    assert len(found(leader, "tillid")) == 1
    assert generation(db, leader) == 1
    assert len(rows(db, SearchShard, leader)) == search_index.SHARDS  # all, empty or not
    db.session.expunge_all()  # another request, another server: what the database keeps
    assert len(found(leader, "tillid")) == 1 and generation(db, leader) == 1


def test_saves_are_read_beside_the_index_then_folded_in(leader, db, make_entry, monkeypatch):
    monkeypatch.setattr(search_index, "COMPACT_AFTER", 5)
    make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    assert rows(db, SearchDelta, leader) == []  # read by the build: no delta again
    add_entries(db, leader, 5)
    assert len(rows(db, SearchDelta, leader)) == 5
    assert len(found(leader, "tekst")) == 5
    assert generation(db, leader) == 1  # no more than COMPACT_AFTER: read as they are
    add_entries(db, leader, 1, start=date(2025, 1, 1))
    assert len(found(leader, "tekst")) == 6
    assert generation(db, leader) == 2 and rows(db, SearchDelta, leader) == []
    assert len(found(leader, "tekst tillid")) == 0 and len(found(leader, "tillid")) == 1


def test_the_index_holds_no_text_in_plain(leader, db, make_entry):
    make_entry(leader, title="Hemmelig overskrift", body="Min chef må aldrig læse dette.")
    found(leader, "chef")
    make_entry(leader, body="Aldrig igen en hemmelig plan.")  # a delta
    blocks = [
        row.sealed
        for model in (SearchMeta, SearchShard, SearchDelta)
        for row in rows(db, model, leader)
    ]
    assert len(blocks) >= 1 + search_index.SHARDS + 1
    for value in blocks:
        for word in (b"hemmelig", b"Hemmelig", b"chef", b"aldrig", "læse".encode()):
            assert word not in value
    key = journal_key.journal_key(leader)
    opened = [
        key.open_index(f"shard:{row.shard}:1", row.sealed) for row in rows(db, SearchShard, leader)
    ]
    assert any(b"aldrig" in block for block in opened)  # the leader's key opens it
    assert {len(row.sealed) % 1024 for row in rows(db, SearchShard, leader)} == {
        len(key.seal_index("x", b""))
    }  # padded to whole KiB: a shard's size tells little of its words
    overhead = len(key.seal_index("x", b""))
    assert {len(row.sealed) - overhead for row in rows(db, SearchDelta, leader)} == {256}


def test_another_leaders_key_never_opens_an_index(leader, make_user, db, make_entry):
    other = make_user(name="Anden Leder")
    make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    meta = rows(db, SearchMeta, leader)[0]
    with pytest.raises(CannotOpen):
        journal_key.journal_key(other).open_index("meta", meta.sealed)


def test_an_index_sealed_under_another_data_key_is_built_again(leader, db, make_entry):
    entry = make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    # As if the leader's data key were replaced: the index no longer opens.
    db.session.execute(
        update(SearchMeta)
        .where(SearchMeta.owner_id == leader.id)
        .values(sealed=journal_key.JournalKey(leader.id, b"\x07" * 32).seal_index("meta", b"x"))
    )
    db.session.commit()
    assert found(leader, "tillid") == [entry.id]
    assert generation(db, leader) == 2


def test_an_old_shard_put_back_does_not_open_and_the_index_is_built_again(
    leader, db, make_entry, monkeypatch
):
    monkeypatch.setattr(search_index, "COMPACT_AFTER", 0)
    first = make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    shard_of = journal_key.journal_key(leader).index_shard_of(search_index.SHARDS)
    number = shard_of(b"til")
    old = db.session.scalar(
        select(SearchShard.sealed).where(
            SearchShard.owner_id == leader.id, SearchShard.shard == number
        )
    )
    second = make_entry(leader, body="Tillid igen.")
    assert found(leader, "tillid") == [second.id, first.id]  # compacted: generation 2
    assert generation(db, leader) == 2
    db.session.execute(
        update(SearchShard)
        .where(SearchShard.owner_id == leader.id, SearchShard.shard == number)
        .values(sealed=old)
    )
    db.session.commit()
    assert found(leader, "tillid") == [second.id, first.id]
    assert generation(db, leader) == 3  # built again rather than answering from the old one


def test_entries_deleted_for_good_leave_the_index_with_their_words(leader, db, make_entry):
    kept = make_entry(leader, body="Tillid.")
    secret = make_entry(leader, body="Tillid og fortrolighed.")
    found(leader, "tillid")
    secret_id = secret.id
    services.trash_entry(leader, secret)
    db.session.commit()
    # The nightly purge: no request, no key, only the ids.
    services.purge_trash(now=services.utcnow() + timedelta(days=services.TRASH_DAYS + 1))
    assert [row.entry_id for row in rows(db, SearchGone, leader)] == [secret_id]
    assert found(leader, "tillid") == [kept.id]
    assert rows(db, SearchGone, leader) == []  # built again without it
    key = journal_key.journal_key(leader)
    for row in rows(db, SearchShard, leader):
        assert b"fortrolighed" not in key.open_index(f"shard:{row.shard}:2", row.sealed)


def test_an_id_given_again_after_a_deletion_is_found(leader, db, make_entry):
    entry = make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    services.trash_entry(leader, entry)
    services.delete_forever(leader, entry)
    # SQLite gives the highest id again once its row is gone.
    again = Entry(id=entry.id, owner_id=leader.id, entry_date=date(2025, 1, 2), sealed=b"")
    db.session.add(again)
    db.session.flush()
    key = journal_key.journal_key(leader)
    again.sealed = key.seal_entry(again.id, "", "Tillid igen.")
    search_index.note_saved(key, again.id, again.entry_date, "", "Tillid igen.")
    db.session.commit()
    assert found(leader, "tillid") == [entry.id]


def test_starting_over_drops_the_index(leader, db, make_entry):
    make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    make_entry(leader, body="Tillid igen.")
    with atomic():
        my_data.empty_account(leader)
    for model in (SearchMeta, SearchShard, SearchDelta, SearchGone):
        assert rows(db, model, leader) == []


def test_a_damaged_entry_is_left_out_of_the_index(leader, db, make_entry):
    good = make_entry(leader, body="Tillid.")
    bad = make_entry(leader, body="Tillid.")
    db.session.execute(update(Entry).where(Entry.id == bad.id).values(sealed=b"\x01" + b"0" * 40))
    db.session.commit()
    assert found(leader, "tillid") == [good.id]
    assert found(leader, "tillid") == [good.id]  # from the index now


def test_two_servers_compacting_at_once_write_once(leader, db, make_entry, monkeypatch):
    monkeypatch.setattr(search_index, "COMPACT_AFTER", 1)
    make_entry(leader, body="Tillid.")
    found(leader, "tillid")
    add_entries(db, leader, 2)
    key = journal_key.journal_key(leader)
    shard_of = key.index_shard_of(search_index.SHARDS)
    wanted = {shard_of(b"tek")}
    read_by_one = search_index._read(leader, key, wanted)
    read_by_other = search_index._read(leader, key, wanted)
    search_index._compact(leader, key, shard_of, read_by_one)
    assert generation(db, leader) == 2
    late = search_index._compact(leader, key, shard_of, read_by_other)
    assert generation(db, leader) == 2  # the second saw generation 2, not 1, and wrote nothing
    assert late is read_by_other  # … and answered from what it had read
    assert len(found(leader, "tekst")) == 2


def test_a_search_costs_the_same_queries_at_any_size(leader_client, leader, db, monkeypatch):
    monkeypatch.setattr(search_index, "COMPACT_AFTER", 10_000)
    monkeypatch.setattr(search_index, "MAX_DELTAS", 10_000)
    add_entries(db, leader, 5)
    leader_client.get("/journal/?q=tekst")  # builds the index
    with counting_queries(db.engine) as few:
        assert leader_client.get("/journal/?q=tekst").status_code == 200
    add_entries(db, leader, 200, start=date(2025, 1, 1))  # read as deltas
    with counting_queries(db.engine) as many:
        assert leader_client.get("/journal/?q=tekst").status_code == 200
    assert len(many) == len(few)
    selected = [statement for statement in many if "FROM entries" in statement]
    assert len(selected) == 2  # the trash, and the page's entries: never the journal


def test_a_huge_page_number_is_the_last_page_not_a_huge_ranking(leader_client, leader, db):
    add_entries(db, leader, 3)
    page = leader_client.get(f"/journal/?q=tekst&page={10**30}")
    assert page.status_code == 200


# --- The same answers as a scan of the journal -----------------------------------------

WORDS = [
    "tillid",
    "ledelse",
    "ledelsesgrundlag",
    "medarbejder",
    "medarbejderne",
    "møde",
    "mødet",
    "borgeren",
    "aarhus",
    "århus",
    "feedback",
    "tværfaglighed",
    "uddelegering",
    "rammer",
    "retning",
    "mål",
]


def scanned(db, user, query) -> list[tuple[int, float]]:
    """What the old engine (`tests/entries/scan.py`, ranked) finds scanning the live entries."""
    key = journal_key.journal_key(user)
    documents = []
    for entry in db.session.scalars(
        select(Entry).where(Entry.owner_id == user.id, Entry.deleted_at.is_(None))
    ):
        title, body = key.open_entry(entry.id, entry.sealed)
        documents.append(Document(entry.id, title, body, key=(entry.entry_date, entry.id)))
    return [(hit.id, hit.score) for hit in rank(search(documents, query))]


@pytest.mark.parametrize("seed", range(4))
def test_saving_trashing_and_deleting_keep_the_answers_of_a_scan(
    leader, db, make_entry, monkeypatch, seed
):
    monkeypatch.setattr(search_index, "COMPACT_AFTER", 3)
    monkeypatch.setattr(search_index, "DEAD_SHARE", 2)
    rng = random.Random(seed)
    live: list = []

    def text() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 8)))

    for step in range(60):
        action = rng.random()
        if action < 0.35 or not live:
            day = date(2025, 1, 1) + timedelta(days=rng.randrange(40))
            live.append(
                make_entry(
                    leader, title=text() if rng.random() < 0.5 else "", body=text(), entry_date=day
                )
            )
        elif action < 0.6:
            entry = rng.choice(live)
            live[live.index(entry)] = edit(leader, entry, text(), title=rng.choice(("", text())))
        elif action < 0.7:
            entry = rng.choice(live)
            services.trash_entry(leader, entry)
            if rng.random() < 0.5:
                services.delete_forever(leader, entry)
                live.remove(entry)
            else:
                services.restore_entry(leader, entry)
        db.session.commit()
        query = parse_query(" ".join(rng.sample(WORDS, rng.randrange(1, 3))))
        expected = scanned(db, leader, query)
        results = search_index.search_entries(leader, listing.EntryFilter(), query, limit=1000)
        assert [(hit.id, hit.score) for hit in results.hits] == expected, step
        assert results.total == len(expected)
