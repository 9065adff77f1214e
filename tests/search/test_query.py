"""The query parser: every shape of input gives a tree or nothing, never an exception."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.query import MAX_QUERY_CHARS, And, Filter, Not, Or, Phrase, Term, parse


def test_words_are_anded():
    assert parse("flask async").text == And((Term("flask"), Term("async")))


def test_phrase_or_and_not():
    parsed = parse('"web framework" OR django -flask')
    assert parsed.text == Or(
        (Phrase(("web", "framework")), And((Term("django"), Not(Term("flask")))))
    )


def test_field_prefixes_and_filters():
    parsed = parse("title:flask kind:framework -tag:async status:active")
    assert parsed.text == Term("flask", "title")
    assert parsed.filters == [
        Filter("kind", "framework"),
        Filter("tag", "async", negated=True),
        Filter("status", "active"),
    ]


def test_field_applies_to_a_group():
    assert parse("title:(flask OR django)").text == Or(
        (Term("flask", "title"), Term("django", "title"))
    )


@pytest.mark.parametrize(
    "raw",
    [
        "title:(",
        "(",
        ")",
        '"',
        "AND",
        "OR",
        "NOT",
        "-",
        "OR OR",
        "AND OR NOT",
        "title:",
        "-(",
        "()",
    ],
)
def test_lone_operators_and_broken_syntax_mean_nothing(raw):
    parsed = parse(raw)
    assert parsed.text is None
    assert parsed.filters == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("title:( flask", Term("flask", "title")),
        ('"unbalanced quote', Phrase(("unbalanced", "quote"))),
        ("flask AND", Term("flask")),
        ("OR flask", Term("flask")),
        ("flask)", Term("flask")),
        ("fla\x00sk\x1f web", And((Term("fla"), Term("sk"), Term("web")))),
        ("unknown:word", And((Term("unknown"), Term("word")))),
        ("((((((((((((deep))))))))))))", Term("deep")),
    ],
)
def test_what_can_be_understood_is_kept(raw, expected):
    assert parse(raw).text == expected


def test_long_input_is_cut_with_a_note():
    parsed = parse("word " * 2000)
    assert len(parsed.raw) <= MAX_QUERY_CHARS
    assert parsed.notes


def test_display_round_trips_with_corrections():
    parsed = parse('jinaj "web framework" -flask kind:framework')
    assert parsed.display({"jinaj": "jinja2"}) == 'jinja2 "web framework" -flask kind:framework'


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_never_raises(raw):
    parsed = parse(raw)
    parse(parsed.display())  # what we print back parses too
