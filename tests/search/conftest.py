"""Search fixtures: a fresh index per test, on each backend the database allows."""

import itertools

import pytest
from django.conf import settings as django_settings
from django.db import connection

from catalog import services
from catalog.models import Support
from search import indexer
from search.backends import get_backend
from search.expand import forget_synonyms

_n = itertools.count(1)


# Both backends on PostgreSQL (make test's second leg); Whoosh alone on SQLite, where the
# PostgreSQL backend cannot exist — not generated rather than skipped.
BACKENDS = ["whoosh"] + (
    ["postgres"] if django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else []
)


@pytest.fixture(autouse=True)
def _fresh_synonyms():
    """Each test reads the synonym table of its own database, not one cached by another."""
    forget_synonyms()
    yield
    forget_synonyms()


@pytest.fixture(params=BACKENDS)
def search_backend(request, settings, tmp_path, db):
    """The backend under test: the same suite runs against each."""
    assert request.param == "whoosh" or connection.vendor == "postgresql"
    settings.SEARCH_BACKEND = request.param
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    return get_backend()


@pytest.fixture
def whoosh_backend(settings, tmp_path, db):
    settings.SEARCH_BACKEND = "whoosh"
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    return get_backend()


@pytest.fixture
def reindex():
    """Apply the outbox now (inside a test transaction no on_commit hook runs)."""

    def run() -> int:
        done = indexer.drain()
        backend = get_backend()
        if hasattr(backend, "mark_complete"):
            backend.mark_complete()
        return done

    return run


@pytest.fixture
def make_framework(db):
    def factory(name=None, *, kind="micro", status="active", **kwargs):
        name = name or f"Framework {next(_n)}"
        slug = kwargs.pop("slug", None) or name.lower().replace(" ", "-").replace(".", "-")
        return services.framework_create(name=name, slug=slug, kind=kind, status=status, **kwargs)

    return factory


@pytest.fixture
def make_component(db):
    def factory(name=None, *, category="template-engine", status="active", **kwargs):
        name = name or f"Component {next(_n)}"
        slug = kwargs.pop("slug", None) or name.lower().replace(" ", "-").replace(".", "-")
        return services.component_create(
            name=name, slug=slug, category=category, status=status, **kwargs
        )

    return factory


@pytest.fixture
def make_support(db):
    def factory(framework, engine, level="YES", notes=""):
        cell = Support(framework=framework, engine=engine, level=level, notes=notes)
        return services.support_save(support=cell)

    return factory


@pytest.fixture
def corpus(search_backend, make_page, make_framework, make_component, make_support, reindex):
    """A small catalog and wiki, indexed."""
    flask = make_framework(
        "Flask",
        kind="micro",
        summary="A micro web framework with async views.",
        description="Flask is built on Werkzeug and uses [[Jinja2]] templates.",
    )
    django = make_framework(
        "Django",
        kind="full-stack",
        summary="The web framework for perfectionists with deadlines.",
        description="Batteries included: an ORM, an admin, templates.",
    )
    pyramid = make_framework(
        "Pyramid", kind="full-stack", status="active", summary="Start small, finish big."
    )
    cherry = make_framework(
        "CherryPy", kind="micro", status="inactive", summary="A minimalist Python web framework."
    )
    quart = make_framework("Quart", kind="async", summary="Flask's API, but async all the way.")
    jinja = make_component("Jinja2", summary="A fast templating engine with sandboxing.")
    mako = make_component("Mako", summary="Hyperfast templates from the Pylons project.")
    make_support(flask, jinja, "DEFAULT", "Jinja2 is the built-in engine.")
    make_support(pyramid, jinja, "YES", "Through the pyramid_jinja2 adapter.")
    make_support(pyramid, mako, "YES", "Through pyramid_mako.")
    make_support(quart, jinja, "DEFAULT", "Async rendering.")
    make_page(
        title="Web Frameworks",
        body="A list of Python web frameworks: Flask, Django and Pyramid.",
        tags="overview",
    )
    make_page(
        title="Template Engines",
        body="Templating in Python: Jinja2, Mako, Genshi and Chameleon.",
        tags="templates",
    )
    make_page(
        title="Deployment",
        body="Running an app with a WSGI server. The word flask appears only here in the body.",
    )
    make_page(title="Café Culture", body="Notes on naïve résumé handling in forms.")
    reindex()
    return {
        "flask": flask,
        "django": django,
        "pyramid": pyramid,
        "cherrypy": cherry,
        "quart": quart,
        "jinja2": jinja,
        "mako": mako,
    }
