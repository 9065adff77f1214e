"""What readers search for, indexed and found — each rule on every backend — and the
fallbacks that leave no dead end."""

import subprocess

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.models import Relation, RelationType
from search import api, registry
from search.documents import Document
from search.models import SearchMiss, SearchSynonym
from tests.search.conftest import BACKENDS


def titles(q, **filters):
    outcome = api.run_search(q, filters=filters or None)
    assert outcome.unavailable is None, outcome.unavailable
    return [h.title for h in outcome.results.hits] if outcome.results else []


@pytest.fixture
def catalog(search_backend, make_framework, make_component, make_page, reindex):
    werkzeug = make_component("Werkzeug", category="wsgi-library", summary="WSGI utility library.")
    sqlalchemy = make_component("SQLAlchemy", category="orm", summary="The SQL toolkit.")
    make_component("Jinja2", category="template-engine", summary="Fast and sandboxed.")
    flask = make_framework(
        "Flask",
        summary="Micro-framework with a debugger.",
        used_by="Pinterest\nNetflix",
        licence="BSD-3-Clause",
        first_release=2010,
    )
    Relation.objects.create(source=flask, type=RelationType.BUILT_ON, target=werkzeug)
    make_framework("Litestar", kind="async", summary="ASGI API framework; formerly Starlite.")
    make_framework("web.py", slug="web-py", summary="Simple and powerful.")
    make_framework("CherryPy", summary="Object publishing.")
    make_framework("pycopia.WWW.framework", slug="pycopia-www", kind="glue", summary="FCGI.")
    make_framework("Quart", kind="async", summary="An asynchronous reimplementation.")
    make_framework(
        "Django", kind="full-stack", summary="Batteries included.", used_by="A\nB\nC\nD\nE"
    )
    make_framework("djng", summary="A tiny wrapper.")
    make_page(title="PycopiaWebFramework", body="The framework Keith Dart wrote.")
    make_page(title="Flask Notes", body="Flask. " * 30 + "More about Flask and flask.")
    reindex()
    return {"flask": flask, "sqlalchemy": sqlalchemy}


def test_category_kind_status_users_licence_year(catalog):
    assert titles("ORM")[0] == "SQLAlchemy"
    assert titles("template engine")[0] == "Jinja2"
    assert "Litestar" in titles("async framework")
    for query in ("netflix", "pinterest", "bsd", "2010"):
        assert titles(query)[0] == "Flask", query


def test_other_names_found_in_the_entry_text(catalog):
    assert titles("starlite")[0] == "Litestar"


def test_related_entries_by_name(catalog):
    assert titles("built on werkzeug")[0] == "Flask"


@pytest.mark.parametrize("query", ["web.py", "webpy", "web py", "title:webpy"])
def test_dotted_and_joined_spellings(catalog, query):
    assert titles(query)[0] == "web.py"


def test_camel_case_and_dotted_names_split(catalog):
    found = titles("pycopia")
    assert set(found[:2]) == {"PycopiaWebFramework", "pycopia.WWW.framework"}
    assert titles("title:pycopia")
    assert titles("cherry py")[0] == "CherryPy"


def test_entry_outranks_pages_that_mention_it(catalog):
    assert titles("flask")[0] == "Flask"


def test_synonyms_from_the_table(catalog, staff_client):
    # Seeded by a migration: async ↔ asynchronous, fastcgi ↔ fcgi.
    assert "Quart" in titles("async")  # its text says "asynchronous"
    assert "pycopia.WWW.framework" in titles("fastcgi")  # its text says "FCGI"
    assert titles("zzdebug") == []
    response = staff_client.post(
        "/admin/search/searchsynonym/add/",
        {"term": "debugger", "synonyms": "zzdebug", "two_way": "on"},
    )
    assert response.status_code == 302
    assert titles("zzdebug") == ["Flask"]  # an editor's new row applies at once, no re-index


def test_synonym_loops_and_empty_entries_are_refused(db):
    SearchSynonym.objects.all().delete()
    with pytest.raises(ValidationError, match="empty"):
        SearchSynonym(term="a", synonyms="b,,c").full_clean()
    with pytest.raises(ValidationError, match="at least one"):
        SearchSynonym(term="a", synonyms=" , ").full_clean()
    with pytest.raises(ValidationError, match="term is empty"):
        SearchSynonym(term="  ", synonyms="b").full_clean()
    with pytest.raises(ValidationError, match="itself"):
        SearchSynonym(term="Async", synonyms="asynchronous, async").full_clean()
    for term, syn in (("a", "b"), ("b", "c")):
        row = SearchSynonym(term=term, synonyms=syn, two_way=False)
        row.full_clean()
        row.save()
    with pytest.raises(ValidationError, match="A loop: “c” → “a” → “b” → “c”"):
        SearchSynonym(term="c", synonyms="a", two_way=False).full_clean()
    SearchSynonym.objects.create(term="x", synonyms="y", two_way=True)
    with pytest.raises(ValidationError, match="loop"):
        SearchSynonym(term="y", synonyms="z", two_way=True).full_clean()


def test_synonym_admin_shows_the_message(staff_client):
    SearchSynonym.objects.all().delete()
    page = staff_client.post(
        reverse("admin:search_searchsynonym_add"),
        {"term": "fast", "synonyms": "quick,,speedy", "two_way": "on"},
    )
    assert page.status_code == 200
    assert "An empty synonym" in page.content.decode()
    assert not SearchSynonym.objects.exists()


def test_no_result_for_all_words_falls_back_to_partial_matches(catalog):
    outcome = api.run_search("netflix zyzzyva")
    assert outcome.partial
    assert api.PARTIAL_NOTE in outcome.messages
    assert outcome.results.hits[0].title == "Flask"


def test_partial_note_beside_did_you_mean(client, catalog):
    html = client.get(reverse("search:results"), {"q": "netflix djangoo"}).content.decode()
    assert "No result has all of your words" in html
    assert "Did you mean" in html and "django" in html


def test_queries_without_results_are_counted(client, catalog, staff_client):
    for _ in range(2):
        client.get(reverse("search:results"), {"q": "Qwxzy  Plonk"})
    client.get(reverse("search:results"), {"q": "flask"})
    miss = SearchMiss.objects.get()
    assert (miss.query, miss.count) == ("qwxzy plonk", 2)
    listing = staff_client.get(reverse("admin:search_searchmiss_changelist")).content.decode()
    assert "qwxzy plonk" in listing
    wanted = staff_client.get(reverse("wiki:wanted")).content.decode()
    assert reverse("admin:search_searchmiss_changelist") in wanted


def test_wanted_page_links_misses_only_for_staff(client, db):
    html = client.get(reverse("wiki:wanted")).content.decode()
    assert "searchmiss" not in html


def test_stop_word_alone_is_no_typo(catalog):
    for query in ("the", "THE", "of the"):
        outcome = api.run_search(query)
        assert outcome.results.suggestion is None, query
        assert any("too common" in m for m in outcome.messages), query


def test_suggestions_rank_the_central_entry_first(catalog, make_support, make_component):
    django = next(e for e in [*api.suggest("django")] if e.title == "Django")
    assert django
    assert [s.title for s in api.suggest("dj")][:2] == ["Django", "djng"]


LONG_PAGE = (
    "# Deployment\n\nHow to run a site.\n\n"
    + "## Servers\n\n"
    + "A server answers requests. " * 160
    + "\n\n## Caching\n\n"
    + "Memcached keeps rendered fragments. " * 60
    + "\n\n## Logging\n\nWrite logs to files. " * 1
)


def test_long_pages_are_searched_by_section(client, search_backend, make_page, reindex):
    make_page(title="Deployment Guide", body=LONG_PAGE)
    reindex()
    outcome = api.run_search("memcached")
    hit = outcome.results.hits[0]
    assert hit.title == "Deployment Guide"
    assert hit.section is not None and hit.section.url.endswith("#caching")
    assert outcome.results.total == 1  # the page once, not once per section
    html = client.get(reverse("search:results"), {"q": "memcached"}).content.decode()
    assert "?highlight=memcached#caching" in html and "› " in html
    assert any(s.url.endswith("#caching") for s in api.suggest("cachin"))


def test_a_kind_registered_by_any_app_is_searched_and_filtered(search_backend, reindex):
    notes = {7: Document(kind="note", object_id=7, title="Gizmo", body="a wombat", url="/n/7",
                         facets={"mood": ["calm"]})}  # fmt: skip
    registry.register(
        registry.DocumentType(
            kind="note",
            label="Note",
            load=lambda ids: {i: notes.get(i) for i in ids},
            all_ids=lambda: list(notes),
            count=lambda: len(notes),
            facets=(registry.Facet("mood", "Mood", {"calm": "Calm"}),),
        )
    )
    try:
        search_backend.index(notes.values())
        assert titles("wombat") == ["Gizmo"]
        assert titles("wombat mood:calm") == ["Gizmo"]
        assert titles("wombat -mood:calm") == []
        outcome = api.run_search("wombat", filters={"kind": "note"})
        assert outcome.results.facets["mood"] == {"calm": 1}
    finally:
        registry.unregister("note")


def test_search_imports_no_app():
    found = subprocess.run(
        ["grep", "-rnE", r"^\s*(from|import) (wiki|catalog)\b", "search/"],
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.stdout == "", found.stdout


if "postgres" in BACKENDS:  # the PostgreSQL backend's bound (not generated on SQLite)

    def test_postgres_ranks_a_bounded_candidate_set(
        client, settings, tmp_path, make_page, reindex, monkeypatch
    ):
        settings.SEARCH_BACKEND = "postgres"
        settings.SEARCH_INDEX_DIR = tmp_path / "index"
        monkeypatch.setattr("search.backends.postgres.CANDIDATES", 5)
        for i in range(12):
            make_page(title=f"Stripe {i}", body="zebra crossing")
        make_page(title="Zebra", body="the animal")
        reindex()
        results = api.run_search("zebra").results
        assert results.capped and results.total <= 5 + 1
        assert results.hits[0].title == "Zebra"  # the exact title is always a candidate
        html = client.get(reverse("search:results"), {"q": "zebra"}).content.decode()
        assert "More than" in html
