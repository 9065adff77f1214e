"""Each database constraint refuses bad rows outright (not just in forms)."""

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Entry, EntryType, Level, Relation, RelationType, Support


def _fails(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_support_level_must_be_known(small_catalog):
    fw, engine = small_catalog["flask"], small_catalog["kid"]
    _fails(lambda: Support.objects.create(framework=fw, engine=engine, level="MAYBE"))


def test_obsoleted_needs_successor(small_catalog):
    fw, engine = small_catalog["flask"], small_catalog["kid"]
    _fails(lambda: Support.objects.create(framework=fw, engine=engine, level=Level.OBSOLETED))


def test_only_obsoleted_takes_successor(small_catalog):
    fw, engine = small_catalog["flask"], small_catalog["kid"]
    _fails(
        lambda: Support.objects.create(
            framework=fw, engine=engine, level=Level.YES, superseded_by=small_catalog["mako"]
        )
    )


def test_pair_is_unique(small_catalog):
    fw, engine = small_catalog["flask"], small_catalog["jinja"]
    _fails(lambda: Support.objects.create(framework=fw, engine=engine, level=Level.YES))


def test_cell_not_self(small_catalog):
    fw = small_catalog["flask"]
    _fails(lambda: Support.objects.create(framework=fw, engine=fw, level=Level.YES))


def test_framework_needs_kind(db):
    _fails(lambda: Entry.objects.create(type=EntryType.FRAMEWORK, name="X", slug="x"))


def test_component_needs_category_and_no_kind(db):
    _fails(lambda: Entry.objects.create(type=EntryType.COMPONENT, name="Y", slug="y"))
    _fails(
        lambda: Entry.objects.create(
            type=EntryType.COMPONENT, name="Y", slug="y", category="orm", kind="micro"
        )
    )


def test_entry_type_and_status_valid(db):
    _fails(lambda: Entry.objects.create(type="gadget", name="Z", slug="z", kind="micro"))
    _fails(
        lambda: Entry.objects.create(
            type=EntryType.FRAMEWORK, name="Z", slug="z", kind="micro", status="zombie"
        )
    )


def test_end_year_not_before_first_release(db):
    _fails(
        lambda: Entry.objects.create(
            type=EntryType.FRAMEWORK,
            name="Z",
            slug="z",
            kind="micro",
            first_release=2010,
            end_year=2005,
        )
    )


def test_relation_unique_and_not_self(small_catalog):
    flask, jinja = small_catalog["flask"], small_catalog["jinja"]
    Relation.objects.create(source=flask, type=RelationType.BUILT_ON, target=jinja)
    _fails(lambda: Relation.objects.create(source=flask, type=RelationType.BUILT_ON, target=jinja))
    _fails(lambda: Relation.objects.create(source=flask, type=RelationType.USES, target=flask))
    _fails(lambda: Relation.objects.create(source=flask, type="likes", target=jinja))


def test_service_reports_constraint_in_words(db):
    from django.core.exceptions import ValidationError

    from catalog import services

    with pytest.raises(ValidationError) as info:
        services.framework_create(name="No Kind", slug="no-kind", kind="")
    assert "kind" in str(info.value).lower()
    assert not Entry.objects.filter(slug="no-kind").exists()
