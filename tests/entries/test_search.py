"""Search over a leader's own entries: Danish word forms, letters, ranking and snippets."""

import dataclasses
import math
from datetime import date

import markupsafe
import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal.entries import search as search_module
from journal.entries.search import (
    document_tokens,
    marked_title,
    parse_query,
    snippet_of,
    term_roots,
)
from tests.entries.scan import Document, Hit, search

pytestmark = pytest.mark.both_engines  # the database engine matters here


def doc(id, body, title="", key=None):
    return Document(id=id, title=title, body=body, key=key if key is not None else (id,))


def found(query, *bodies):
    """The 1-based positions of the bodies that the query finds, in ranked order."""
    documents = [doc(i, body) for i, body in enumerate(bodies, start=1)]
    return [hit.id for hit in search(documents, parse_query(query))]


def only_hit(query, documents):
    hits = search(documents, parse_query(query))
    assert len(hits) == 1, hits
    return hits[0]


# --- Word forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("medarbejderne", "I dag kom en medarbejder forbi."),
        ("medarbejderne", "Jeg talte med medarbejdere fra to teams."),
        ("medarbejder", "Medarbejderne var glade."),
        ("medarbejderne", "Medarbejderens idé var god."),
        ("ledelsen", "Det handler om god ledelse."),
        ("ledelse", "Ledelsen mødtes i går."),
        ("feedbacken", "Jeg gav feedback til teamet."),
        ("feedback", "Feedbacken var konstruktiv."),
    ],
)
def test_a_word_finds_other_forms_of_itself(query, text):
    assert found(query, text, "Noget helt andet.") == [1]


def test_a_word_matches_at_the_start_of_a_word_only():
    assert found("tid", "Det tog tiden.", "Vi gjorde det samtidig.") == [1]


def test_a_very_short_word_matches_whole_words_only():
    assert found("ud", "Vi gik ud.", "Om udvikling af teamet.") == [1]
    assert found("på", "Det står på listen.", "Påvirkning udefra.") == [1]


# --- Letters ----------------------------------------------------------------------------------


def test_case_does_not_matter():
    assert found("LEDELSE", "god ledelse") == [1]
    assert found("tillid", "TILLID er fundamentet") == [1]


def test_æ_ø_å_match_in_either_case():
    assert found("ÆBLE", "et æble om dagen") == [1]
    assert found("æble", "Æbler og pærer") == [1]
    assert found("møde", "MØDET blev aflyst") == [1]
    assert found("Ålborg", "en tur til ålborg") == [1]


def test_æ_ø_å_are_letters_of_their_own():
    assert found("møde", "en ny mode") == []
    assert found("mode", "et godt møde") == []
    assert found("mål", "vi skal male") == []
    assert found("mal", "vores mål") == []
    assert found("æble", "et able menneske") == []


def test_accents_are_folded():
    assert found("cafe", "Mødet var på en café.") == [1]
    assert found("café", "Mødet var på en cafe.") == [1]
    assert found("Muller", "Samtale med Jens Müller.") == [1]
    assert found("idé", "En god ide.") == [1]


def test_aa_and_å_match_each_other():
    assert found("Ålborg", "Konference i Aalborg.") == [1]
    assert found("aalborg", "Konference i Ålborg.") == [1]


# --- Which entries match ----------------------------------------------------------------------


def test_all_words_of_a_query_must_match():
    hits = found(
        "tillid feedback",
        "Tillid er vigtigt.",
        "Feedback er vigtigt.",
        "Tillid og feedback hænger sammen.",
    )
    assert hits == [3]


def test_a_word_in_the_title_is_found():
    assert [
        h.id for h in search([doc(1, "Ingen match her.", title="Tillid")], parse_query("tillid"))
    ] == [1]


def test_a_link_target_is_not_text():
    assert found("tillid", "Se [oplægget](https://example.org/tillid).") == []
    assert found("oplægget", "Se [oplægget](https://example.org/tillid).") == [1]


def test_an_unclosed_link_does_not_hide_the_next_entrys_words():
    # The first entry ends inside "](…" without ")"; the next one has a ")" later on.
    assert found("tillid", "Se [oplægget](https://example.org", "Om tillid (og mod).") == [2]
    # Nor does a title ending so hide its own body.
    documents = [doc(1, "Om tillid (og mod).", title="Se [oplægget](https://example.org")]
    assert [hit.id for hit in search(documents, parse_query("tillid"))] == [1]


def test_an_empty_query_finds_nothing():
    documents = [doc(1, "Tillid og ledelse.")]
    assert not parse_query("")
    assert not parse_query("   ")
    assert search(documents, parse_query("")) == []
    assert search(documents, parse_query("   ")) == []


def test_a_query_of_only_punctuation_finds_nothing():
    documents = [doc(1, "Tillid? Ja! -- * _ … « » “ ” –")]
    for text in ("?", "?!… --", "* _ #", "“ ” –"):
        query = parse_query(text)
        assert not query, text
        assert search(documents, query) == []


def test_no_documents_no_hits():
    assert search([], parse_query("tillid")) == []


# --- Ranking ----------------------------------------------------------------------------------


def test_a_title_match_beats_a_body_match():
    documents = [
        doc(1, "Noget om tillid.", key=(date(2024, 5, 1), 1)),  # newer, body only
        doc(2, "Et kort notat.", title="Tillid", key=(date(2024, 1, 1), 2)),
    ]
    assert [hit.id for hit in search(documents, parse_query("tillid"))] == [2, 1]


def test_more_matches_beat_fewer():
    documents = [
        doc(1, "Tillid her.", key=(date(2024, 5, 1), 1)),  # newer, one match
        doc(2, "Tillid, tillid og atter tilliden.", key=(date(2024, 1, 1), 2)),
    ]
    hits = search(documents, parse_query("tillid"))
    assert [hit.id for hit in hits] == [2, 1]
    assert hits[0].score > hits[1].score


def test_more_matches_count_with_diminishing_returns():
    documents = [doc(1, "tillid " * 10), doc(2, "tillid")]
    many, one = search(documents, parse_query("tillid"))
    assert many.id == 1
    assert many.score < 10 * one.score


def test_the_newest_wins_a_tie():
    documents = [
        doc(5, "Om tillid.", key=(date(2024, 1, 1), 5)),
        doc(2, "Om tillid.", key=(date(2024, 3, 1), 2)),
        doc(9, "Om tillid.", key=(date(2024, 2, 1), 9)),
    ]
    assert [hit.id for hit in search(documents, parse_query("tillid"))] == [2, 9, 5]


# --- Snippets and titles ----------------------------------------------------------------------


def test_the_snippet_marks_the_matching_word():
    hit = only_hit("medarbejder", [doc(1, "I dag roste jeg medarbejderen for hendes arbejde.")])
    assert isinstance(hit.snippet, markupsafe.Markup)
    assert hit.snippet == markupsafe.Markup(
        "I dag roste jeg <mark>medarbejderen</mark> for hendes arbejde."
    )


def test_the_snippet_is_escaped():
    body = 'Hun skrev <script>alert("x")</script> om tillid & ansvar.'
    hit = only_hit("tillid", [doc(1, body)])
    assert "&lt;script&gt;" in hit.snippet
    assert "<script>" not in hit.snippet
    assert "&amp; ansvar" in hit.snippet
    assert "<mark>tillid</mark>" in hit.snippet


def test_a_match_inside_an_escaped_word_is_marked_safely():
    hit = only_hit("script", [doc(1, "<script>")])
    assert hit.snippet == markupsafe.Markup("&lt;<mark>script</mark>&gt;")


def test_the_snippet_is_cut_around_the_match():
    before = "Indledende tekst om dagens gang. " * 20
    after = " Afsluttende bemærkninger om ugen. " * 20
    hit = only_hit("tillid", [doc(1, before + "Her handler det om tillid til teamet." + after)])
    plain = hit.snippet.striptags()
    assert "<mark>tillid</mark>" in hit.snippet
    assert plain.startswith("…")
    assert plain.endswith("…")
    assert 120 <= len(plain) <= 220


def test_the_snippet_shows_where_most_words_meet():
    body = "Tillid nævnt her. " + "Fyld. " * 60 + "Her mødes tillid og feedback i samme sætning."
    hit = only_hit("tillid feedback", [doc(1, body)])
    assert "<mark>feedback</mark>" in hit.snippet
    assert "<mark>Tillid</mark> nævnt" not in hit.snippet


def test_the_snippet_has_no_markdown_syntax():
    body = (
        "## Overskrift\n\n> Et citat om **tillid** og _ansvar_.\n\n"
        "- Se [oplægget](https://example.org/oplaeg) og `kode`.\n"
    )
    hit = only_hit("tillid", [doc(1, body)])
    text = str(hit.snippet)
    for syntax in ("#", "*", "_", "`", "&gt;", "](", "https", "[", "]"):
        assert syntax not in text, syntax
    assert "<mark>tillid</mark>" in text
    assert "oplægget" in text
    assert "\n" not in text


def test_a_title_only_match_shows_the_start_of_the_body():
    hit = only_hit("tillid", [doc(1, "Første linje.\n\nAnden linje.", title="Om <tillid>")])
    assert hit.snippet == markupsafe.Markup("Første linje. Anden linje.")
    assert hit.title == markupsafe.Markup("Om &lt;<mark>tillid</mark>&gt;")


def test_the_title_is_escaped_and_marked():
    hit = only_hit("ledelse", [doc(1, "Tekst.", title="Ledelsen & <b>mig</b>")])
    assert isinstance(hit.title, markupsafe.Markup)
    assert hit.title == markupsafe.Markup("<mark>Ledelsen</mark> &amp; &lt;b&gt;mig&lt;/b&gt;")


def test_no_title_gives_empty_markup():
    hit = only_hit("tillid", [doc(1, "Om tillid.")])
    assert hit.title == markupsafe.Markup("")
    assert isinstance(hit.title, markupsafe.Markup)


def test_marks_cover_every_word_form_and_keep_the_original_letters():
    hit = only_hit("Medarbejderne CAFÉ", [doc(1, "Medarbejderen og medarbejdere på Cafe Æblet.")])
    assert hit.snippet == markupsafe.Markup(
        "<mark>Medarbejderen</mark> og <mark>medarbejdere</mark> på <mark>Cafe</mark> Æblet."
    )


def test_a_hit_is_a_frozen_dataclass():
    hit = only_hit("tillid", [doc(7, "Om tillid.")])
    assert isinstance(hit, Hit)
    assert hit.id == 7
    assert hit.score > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.id = 8


# --- The pieces an index of tokens is built from ----------------------------------------------


def test_a_documents_tokens_weigh_a_title_three_times_a_body_once():
    tokens = document_tokens(
        "Tillid og TILLID", "Tillid, [oplæg](https://tillid.dk) _ledelse_ Café"
    )
    assert tokens == {b"tillid": 7, b"og": 3, b"opl\xe6g": 1, b"ledelse": 1, b"cafe": 1}


def test_a_terms_roots_are_its_stem_in_both_aa_spellings():
    (term,) = parse_query("Ålborg").terms
    assert term_roots(term) == ((b"aalborg", False), (b"\xe5lborg", False))
    (term,) = parse_query("medarbejderne").terms
    assert term_roots(term) == ((b"medarbejd", False),)


def test_a_short_terms_roots_match_whole_words():
    (term,) = parse_query("på").terms
    assert term_roots(term) == ((b"paa", True), (b"p\xe5", True))


def test_the_score_is_the_log_of_the_matching_tokens_weights():
    title, body = "Tillid", "Tilliden voksede. Tillidsbaseret ledelse og tid."
    (hit,) = search([doc(1, body, title=title)], parse_query("tillid"))
    weights = document_tokens(title, body)
    assert hit.score == math.log1p(
        weights[b"tillid"] + weights[b"tilliden"] + weights[b"tillidsbaseret"]
    )


def test_snippet_and_title_can_be_made_without_a_hit():
    document = doc(1, "Vi talte om **tillid** i teamet.", title="Tillid")
    (hit,) = search([document], parse_query("tillid"))
    assert snippet_of(document.body, parse_query("tillid")) == hit.snippet
    assert marked_title(document.title, parse_query("tillid")) == hit.title == "<mark>Tillid</mark>"


@given(st.text())
def test_snippets_escape_exactly_as_markupsafe_does(text):
    assert search_module._escape(text) == str(markupsafe.escape(text))
