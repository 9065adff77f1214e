"""The catalog list's text query goes through the search engine and combines with its
filters (issue: q=async with kind=micro and supports=jinja2)."""

import pytest

from catalog import services
from catalog.models import ComponentCategory, Level, Support


@pytest.fixture
def catalog_index(search_backend, reindex):
    jinja = services.component_create(
        name="Jinja2", slug="jinja2", category=ComponentCategory.TEMPLATE_ENGINE
    )

    def fw(name, kind, summary, jinja_level=None):
        entry = services.framework_create(name=name, slug=name.lower(), kind=kind, summary=summary)
        if jinja_level:
            services.support_save(support=Support(framework=entry, engine=jinja, level=jinja_level))
        return entry

    fw("Quart", "micro", "Asynchronous Flask-like framework", Level.DEFAULT)
    fw("Sanic", "async", "Async server and framework", Level.YES)
    fw("Bottle", "micro", "Single-file micro framework", Level.YES)
    fw("Falcon", "micro", "REST APIs; asynchronous handlers supported")
    reindex()


def names(client, query: str) -> list[str]:
    response = client.get("/catalog/" + query)
    assert response.status_code == 200
    return [entry.name for entry in response.context["page_obj"]]


def test_text_query_is_stemmed_through_search(client, catalog_index):
    # Falcon's summary says "handlers": no substring of it is "handler api", but the stems match
    assert names(client, "?q=handler+api") == ["Falcon"]


def test_text_query_combines_with_kind_and_engine_filters(client, catalog_index):
    assert names(client, "?q=asynchronous&kind=micro&supports=jinja2") == ["Quart"]
    assert set(names(client, "?q=asynchronous&kind=micro")) == {"Falcon", "Quart"}


def test_substring_still_matches_names(client, catalog_index):
    assert names(client, "?q=bott") == ["Bottle"]
