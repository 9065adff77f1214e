"""The read-only JSON API (/api/): content checked against the database and the list
pages' selectors, pagination, details, errors, methods, caching and query counts."""

import datetime

import pytest
from django.http import QueryDict

from catalog import aliases, services
from catalog.api import PAGE_SIZE
from catalog.models import (
    Capability,
    CapabilityGroup,
    ComponentCategory,
    Entry,
    Level,
    Relation,
    RelationType,
    Support,
)
from catalog.selectors import filter_components, filter_frameworks

BASE = "http://testserver"


def get_json(client, url: str, status: int = 200, **extra):
    response = client.get(url, **extra)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


@pytest.fixture
def capability_row(small_catalog, source):
    """Django also has a non-template cell: Interface × ASGI, with evidence."""
    group = CapabilityGroup.objects.create(slug="interface", name="Interface", order=10)
    asgi = Capability.objects.create(
        group=group, slug="asgi", name="ASGI", definition="Serves ASGI.", order=1
    )
    cell = services.support_save(
        support=Support(
            framework=small_catalog["django"],
            capability=asgi,
            level=Level.YES,
            uncertain=True,
            notes="Since 3.0 <b>",
            evidence_url="https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/",
            source=source,
            last_verified=datetime.date(2025, 1, 2),
        )
    )
    return {"group": group, "asgi": asgi, "cell": cell}


# ---------------------------------------------------------------- lists


@pytest.mark.parametrize(
    "query",
    [
        "",
        "kind=full-stack",
        "status=discontinued",
        "python=3.12",
        "supports=jinja2",
        "supports=jinja2&supports_level=default",
        "q=perfectionists",
        "kind=full-stack&python=3.12",
        "sort=-first_release",
        "sort=kind",
    ],
)
def test_framework_list_matches_the_list_page_filters(client, small_catalog, query):
    data = get_json(client, f"/api/frameworks/?{query}")
    expected = [e.slug for e in filter_frameworks(QueryDict(query))]
    assert expected  # every case finds something, so the comparison means something
    assert [r["slug"] for r in data["results"]] == expected
    assert data["count"] == len(expected)
    page = client.get(f"/catalog/?{query}").context["page_obj"]
    assert [e.slug for e in page.object_list] == expected
    assert data["next"] is None and data["previous"] is None


def test_framework_list_row(client, small_catalog):
    django = small_catalog["django"]
    services.entry_save(
        entry=_with(
            django, licence="BSD", latest_version="5.2", latest_release=datetime.date(2025, 4, 2)
        )
    )
    row = get_json(client, "/api/frameworks/?kind=full-stack")["results"][0]
    assert row == {
        "slug": "django",
        "name": "Django",
        "url": f"{BASE}/api/frameworks/django/",
        "html_url": f"{BASE}/catalog/django/",
        "kind": "full-stack",
        "status": "active",
        "licence": "BSD",
        "first_release": 2005,
        "latest_version": "5.2",
        "latest_release": "2025-04-02",
        "python_versions": ["3.12", "3.13"],
        "summary": "The web framework for perfectionists",
    }


def _with(entry: Entry, **fields) -> Entry:
    fresh = Entry.objects.get(pk=entry.pk)
    for name, value in fields.items():
        setattr(fresh, name, value)
    return fresh


def test_bad_filter_values_are_ignored_as_on_the_list_page(client, small_catalog):
    query = "kind=nonsense&status=%3Cb%3E&python=9.9&supports=nope&sort=evil&page=abc"
    data = get_json(client, f"/api/frameworks/?{query}")
    assert [r["slug"] for r in data["results"]] == ["django", "flask", "pylons"]
    assert data["page"] == 1
    html = client.get(f"/catalog/?{query}")
    assert html.status_code == 200


def test_pagination(client, make_framework, settings):
    for i in range(PAGE_SIZE + 3):
        make_framework(f"Fw {i:03d}", slug=f"fw-{i:03d}")
    first = get_json(client, "/api/frameworks/?kind=micro&junk=1")
    assert first["count"] == PAGE_SIZE + 3
    assert first["pages"] == 2
    assert len(first["results"]) == PAGE_SIZE
    assert first["previous"] is None
    # Only the parameters the list reads are carried on (the cache keys on those).
    assert first["next"] == f"{BASE}/api/frameworks/?kind=micro&page=2"
    second = get_json(client, first["next"].removeprefix(BASE))
    assert [r["slug"] for r in second["results"]] == ["fw-050", "fw-051", "fw-052"]
    assert second["next"] is None
    assert second["previous"] == f"{BASE}/api/frameworks/?kind=micro&page=1"
    # Out of range: the last page, as on the list page.
    assert get_json(client, "/api/frameworks/?page=99")["page"] == 2


@pytest.mark.parametrize(
    "query", ["", "category=template-engine", "q=jinja", "sort=-name", "category=orm"]
)
def test_component_list_matches_the_list_page_filters(client, small_catalog, make_component, query):
    make_component("SQLAlchemy", category=ComponentCategory.ORM)
    data = get_json(client, f"/api/components/?{query}")
    expected = [e.slug for e in filter_components(QueryDict(query))]
    assert expected
    assert [r["slug"] for r in data["results"]] == expected
    page = client.get(f"/catalog/components/?{query}").context["page_obj"]
    assert [e.slug for e in page.object_list] == expected
    row = data["results"][0]
    assert row["category"] and "kind" not in row
    assert row["url"] == f"{BASE}/api/components/{row['slug']}/"


def test_list_query_counts_are_bounded(
    client, small_catalog, make_framework, make_component, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_ENABLED = False
    for i in range(30):
        make_framework(f"Extra {i}", python=["3.12", "3.13"])
        make_component(f"Engine {i}")
    with django_assert_max_num_queries(7):
        data = get_json(client, "/api/frameworks/?python=3.12&supports=jinja2")
    assert data["count"] == 2
    with django_assert_max_num_queries(7):
        data = get_json(client, "/api/frameworks/")
    assert data["count"] == 33 and len(data["results"][0]["python_versions"]) >= 1
    with django_assert_max_num_queries(5):
        data = get_json(client, "/api/components/")
    assert data["count"] == 34


# ---------------------------------------------------------------- details


def test_framework_detail(client, small_catalog, capability_row, source):
    django = small_catalog["django"]
    services.entry_save(
        entry=_with(
            django,
            homepage="https://www.djangoproject.com/",
            repository="https://github.com/django/django",
            used_by="Instagram\n\n  Mozilla \n",
            description="The **web** framework.",
        ),
        after_save=lambda e: e.sources.add(source),
    )
    aliases.set_entry_aliases(entry=django, names=["Django Web Framework"])
    services.relation_save(
        relation=Relation(
            source=small_catalog["flask"], type=RelationType.INSPIRED_BY, target=django
        )
    )
    services.relation_save(
        relation=Relation(source=django, type=RelationType.USES, target=small_catalog["dtl"])
    )
    data = get_json(client, "/api/frameworks/django/")
    assert data["slug"] == "django" and data["name"] == "Django"
    assert data["url"] == f"{BASE}/api/frameworks/django/"
    assert data["homepage"] == "https://www.djangoproject.com/"
    assert data["repository"] == "https://github.com/django/django"
    assert data["end_year"] is None
    assert data["used_by"] == ["Instagram", "Mozilla"]
    assert data["aliases"] == ["Django Web Framework"]
    assert data["description"] == "The **web** framework."
    assert data["python_versions"] == ["3.12", "3.13"]
    assert data["sources"] == [
        {"key": "seed-002", "title": "Web frameworks and templates", "url": None}
    ]
    assert data["relations"]["out"] == [
        {
            "type": "uses",
            "label": "uses by default",
            "entry": {
                "slug": "django-templates",
                "name": "Django templates",
                "type": "component",
                "url": f"{BASE}/api/components/django-templates/",
                "html_url": f"{BASE}/catalog/components/django-templates/",
            },
            "note": "",
            "source": None,
        }
    ]
    assert [(r["type"], r["entry"]["slug"]) for r in data["relations"]["in"]] == [
        ("inspired-by", "flask")
    ]
    # Every cell, grouped: Interface (order 10) before Templates (order 90).
    caps = data["capabilities"]
    assert list(caps) == ["interface", "templates"]
    assert caps["interface"]["name"] == "Interface"
    assert caps["interface"]["cells"] == [
        {
            "capability": "asgi",
            "name": "ASGI",
            "engine": None,
            "level": "YES",
            "label": "Yes?",
            "uncertain": True,
            "undefined_in_source": False,
            "superseded_by": None,
            "notes": "Since 3.0 <b>",
            "evidence_url": "https://docs.djangoproject.com/en/5.2/howto/deployment/asgi/",
            "evidence_page_url": None,
            "source": {"key": "seed-002", "title": "Web frameworks and templates", "url": None},
            "last_verified": "2025-01-02",
        }
    ]
    templates = caps["templates"]["cells"]
    assert [(c["capability"], c["engine"], c["level"]) for c in templates] == [
        ("django-templates", "django-templates", "DEFAULT"),
        ("jinja2", "jinja2", "YES"),
    ]
    db_cells = Support.objects.filter(framework=django).count()
    assert sum(len(g["cells"]) for g in caps.values()) == db_cells == 3
    # Markup in text stays text: escaped in the bytes, the same string once parsed.
    assert b"Since 3.0 \\u003cb\\u003e" in client.get("/api/frameworks/django/").content


def test_obsoleted_cell_names_its_successor(client, small_catalog):
    data = get_json(client, "/api/frameworks/pylons/")
    cells = {c["capability"]: c for c in data["capabilities"]["templates"]["cells"]}
    assert cells["kid"]["superseded_by"] == "mako"
    assert cells["kid"]["label"] == "Obsoleted by Mako"
    assert cells["jinja2"]["undefined_in_source"] is True
    assert data["end_year"] == 2010


def test_detail_query_count_is_bounded(
    client, small_catalog, capability_row, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_ENABLED = False
    for other in ("flask", "pylons"):
        services.relation_save(
            relation=Relation(
                source=small_catalog[other],
                type=RelationType.INSPIRED_BY,
                target=small_catalog["django"],
            )
        )
    with django_assert_max_num_queries(8):
        data = get_json(client, "/api/frameworks/django/")
    assert len(data["relations"]["in"]) == 2
    with django_assert_max_num_queries(8):
        data = get_json(client, "/api/components/jinja2/")
    assert len(data["supported_by"]) == 3


def test_template_engine_detail_lists_the_frameworks_supporting_it(client, small_catalog):
    data = get_json(client, "/api/components/mako/")
    assert data["category"] == "template-engine"
    assert data["capabilities"] == {}  # a component with no row of its own
    by_framework = {c["framework"]["slug"]: c for c in data["supported_by"]}
    assert set(by_framework) == set(
        Support.objects.filter(engine=small_catalog["mako"]).values_list(
            "framework__slug", flat=True
        )
    )
    assert by_framework["flask"]["level"] == "NO"
    assert by_framework["flask"]["uncertain"] is True
    assert by_framework["flask"]["framework"]["url"] == f"{BASE}/api/frameworks/flask/"
    assert by_framework["pylons"]["level"] == "DEFAULT"


def test_other_components_have_no_supported_by(client, make_component):
    make_component("Gunicorn", category=ComponentCategory.WSGI_SERVER)
    data = get_json(client, "/api/components/gunicorn/")
    assert data["supported_by"] is None
    assert "kind" not in data and data["category"] == "wsgi-server"


# ---------------------------------------------------------------- capabilities, index


def test_capabilities_index(client, small_catalog, capability_row):
    data = get_json(client, "/api/capabilities/")
    groups = {g["slug"]: g for g in data["groups"]}
    assert [g["slug"] for g in data["groups"]] == list(
        CapabilityGroup.objects.values_list("slug", flat=True)
    )
    assert [c["slug"] for c in groups["interface"]["capabilities"]] == ["asgi"]
    asgi = groups["interface"]["capabilities"][0]
    assert asgi["name"] == "ASGI" and asgi["definition"] == "Serves ASGI."
    assert asgi["group"] == "interface" and asgi["engine"] is None
    engines = {c["slug"]: c["engine"] for c in groups["templates"]["capabilities"]}
    assert engines == {
        c.slug: c.engine.slug for c in Capability.objects.filter(group__slug="templates")
    }
    assert set(engines) == {"django-templates", "jinja2", "mako", "kid"}


def test_api_index_lists_the_endpoints(client, db):
    data = get_json(client, "/api/")
    assert data["frameworks"] == f"{BASE}/api/frameworks/"
    assert data["framework"] == f"{BASE}/api/frameworks/{{slug}}/"
    assert data["components"] == f"{BASE}/api/components/"
    assert data["capabilities"] == f"{BASE}/api/capabilities/"
    assert data["search"] == f"{BASE}/api/search/"
    for name in ("frameworks", "components", "capabilities", "search", "suggest", "matrix"):
        assert client.get(data[name].removeprefix(BASE)).status_code == 200, name
    assert "supports" in data["framework_params"] and "page" in data["framework_params"]


# ---------------------------------------------------------------- errors, methods


def test_unknown_slug_is_a_json_404(client, small_catalog):
    assert get_json(client, "/api/frameworks/nope/", status=404) == {
        "error": "No framework “nope” in the catalog."
    }
    assert "error" in get_json(client, "/api/components/nope/", status=404)


def test_search_endpoints_keep_their_addresses(client, db):
    assert client.get("/api/suggest/?q=dj").status_code == 200


def test_the_other_type_redirects_to_its_endpoint(client, small_catalog):
    response = client.get("/api/components/flask/")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/api/frameworks/flask/"
    response = client.get("/api/frameworks/jinja2/")
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}/api/components/jinja2/"


def test_another_name_redirects_permanently(client, small_catalog):
    aliases.set_entry_aliases(entry=small_catalog["flask"], names=["Flask Classic"])
    response = client.get("/api/frameworks/flask-classic/")
    assert response.status_code == 301
    assert response["Location"] == f"{BASE}/api/frameworks/flask/"


def test_head_works_and_writes_are_refused(client, small_catalog):
    response = client.head("/api/frameworks/django/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == b""
    for url in ("/api/", "/api/frameworks/", "/api/frameworks/django/", "/api/capabilities/"):
        assert client.post(url).status_code == 405, url
        assert client.put(url).status_code == 405, url
        assert client.delete(url).status_code == 405, url


# ---------------------------------------------------------------- caching


def test_detail_is_cached_and_follows_a_write(client, small_catalog, django_assert_num_queries):
    url = "/api/frameworks/flask/"
    first = client.get(url)
    assert first.json()["name"] == "Flask"
    etag = first["ETag"]
    assert etag
    # Served from the cache: the version check alone, and a 304 for the same tag.
    with django_assert_num_queries(1):
        again = client.get(url)
    assert again.json() == first.json()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.entry_save(entry=_with(small_catalog["flask"], name="Flask Renamed"))
    changed = client.get(url)
    assert changed.json()["name"] == "Flask Renamed"
    assert changed["ETag"] != etag
    # Jinja2's column shows Flask's name: the rename bumped its version too.
    column = client.get("/api/components/jinja2/").json()["supported_by"]
    assert "Flask Renamed" in [c["framework"]["name"] for c in column]


def test_list_is_cached_and_follows_a_write(client, small_catalog, make_framework):
    url = "/api/frameworks/?kind=micro"
    assert [r["slug"] for r in client.get(url).json()["results"]] == ["flask"]
    make_framework("Bottle", status="active")
    assert [r["slug"] for r in client.get(url).json()["results"]] == ["bottle", "flask"]
    services.support_save(
        support=Support(
            framework=Entry.objects.get(slug="bottle"),
            engine=small_catalog["jinja"],
            level=Level.YES,
        )
    )
    data = client.get("/api/frameworks/?supports=jinja2").json()
    assert [r["slug"] for r in data["results"]] == ["bottle", "django", "flask"]


def test_made_up_parameters_share_the_cached_list(client, small_catalog):
    first = client.get("/api/frameworks/?kind=micro")
    other = client.get("/api/frameworks/?kind=micro&utm_source=x")
    assert other.content == first.content
    assert other["ETag"] == first["ETag"]


@pytest.mark.parametrize("control", ["%00", "%0b", "%1b", "%7f", "a%00b"])
def test_control_characters_in_parameters_never_500(client, small_catalog, control):
    params = ["q", "kind", "status", "python", "supports", "supports_level", "sort", "page"]
    query = "&".join(f"{name}={control}" for name in [*params, "category"])
    for url in ("/api/frameworks/", "/api/components/"):
        data = get_json(client, f"{url}?{query}")
        assert data["count"] >= 0


def test_stored_unsafe_urls_never_reach_the_json(client, small_catalog):
    """loaddata and raw SQL skip URL validation: only http(s) URLs are given out."""
    Support.objects.filter(pk=small_catalog["cells"]["flask-jinja"].pk).update(
        evidence_url="javascript:alert(1)"
    )
    Entry.objects.filter(slug="flask").update(homepage="javascript:alert(2)", version=99)
    data = get_json(client, "/api/frameworks/flask/")
    assert data["homepage"] is None
    cells = {c["capability"]: c for c in data["capabilities"]["templates"]["cells"]}
    assert cells["jinja2"]["evidence_url"] is None
    assert b"javascript" not in client.get("/api/frameworks/flask/").content
