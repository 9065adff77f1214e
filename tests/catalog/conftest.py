"""Small catalog factories (not the demo fixtures)."""

import itertools

import pytest

from catalog import services
from catalog.models import (
    ComponentCategory,
    Entry,
    EntryType,
    FrameworkKind,
    Level,
    PythonVersion,
    Source,
    Support,
)

_n = itertools.count(1)


@pytest.fixture
def make_framework(db):
    def factory(name: str | None = None, slug: str | None = None, **kwargs) -> Entry:
        name = name or f"Framework {next(_n)}"
        kwargs.setdefault("kind", FrameworkKind.MICRO)
        versions = kwargs.pop("python", [])
        pvs = []
        for v in versions:
            major, minor = v.split(".")
            pv, _ = PythonVersion.objects.get_or_create(
                name=v, defaults={"major": int(major), "minor": int(minor)}
            )
            pvs.append(pv)
        entry = Entry(
            type=EntryType.FRAMEWORK,
            name=name,
            slug=slug or name.lower().replace(" ", "-"),
            **kwargs,
        )
        return services.entry_save(
            entry=entry, after_save=lambda e: e.python_versions.add(*pvs) if pvs else None
        )

    return factory


@pytest.fixture
def make_component(db):
    def factory(name: str | None = None, slug: str | None = None, **kwargs) -> Entry:
        name = name or f"Component {next(_n)}"
        kwargs.setdefault("category", ComponentCategory.TEMPLATE_ENGINE)
        entry = Entry(
            type=EntryType.COMPONENT,
            name=name,
            slug=slug or name.lower().replace(" ", "-"),
            **kwargs,
        )
        return services.entry_save(entry=entry)

    return factory


@pytest.fixture
def make_cell(db):
    def factory(framework: Entry, engine: Entry, level: str = Level.YES, **kwargs) -> Support:
        cell = Support(framework=framework, engine=engine, level=level, **kwargs)
        return services.support_save(support=cell)

    return factory


@pytest.fixture
def source(db):
    return services.source_save(source=Source(key="seed-002", title="Web frameworks and templates"))


@pytest.fixture
def small_catalog(make_framework, make_component, make_cell, source):
    """Three frameworks, three engines, a few cells of every interesting sort."""
    django = make_framework(
        "Django",
        kind=FrameworkKind.FULL_STACK,
        status="active",
        first_release=2005,
        python=["3.12", "3.13"],
        summary="The web framework for perfectionists",
    )
    flask = make_framework(
        "Flask", status="active", first_release=2010, python=["3.12"], summary="Micro framework"
    )
    pylons = make_framework(
        "Pylons",
        kind=FrameworkKind.FULL_STACK,
        status="discontinued",
        first_release=2005,
        end_year=2010,
        python=["2.7"],
    )
    dtl = make_component("Django templates", slug="django-templates")
    jinja = make_component("Jinja2")
    mako = make_component("Mako")
    kid = make_component("Kid")
    cells = {
        "django-dtl": make_cell(django, dtl, Level.DEFAULT, raw_value="DEFAULT", source=source),
        "django-jinja": make_cell(django, jinja, Level.YES, raw_value="djj2Y"),
        "flask-jinja": make_cell(flask, jinja, Level.DEFAULT),
        "flask-mako": make_cell(flask, mako, Level.NO, uncertain=True, raw_value="N?"),
        "pylons-mako": make_cell(pylons, mako, Level.DEFAULT),
        "pylons-kid": make_cell(
            pylons, kid, Level.OBSOLETED, superseded_by=mako, raw_value="O by Mako"
        ),
        "pylons-jinja": make_cell(
            pylons, jinja, Level.UNKNOWN, undefined_in_source=True, raw_value="M"
        ),
    }
    return {
        "django": django,
        "flask": flask,
        "pylons": pylons,
        "dtl": dtl,
        "jinja": jinja,
        "mako": mako,
        "kid": kid,
        "cells": cells,
    }
