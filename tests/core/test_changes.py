"""The change step: one call per write; versions and stamps bumped; followers told once."""

import pytest

from core import changes
from core.models import Stamp
from wiki.models import Page

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    seen: list[changes.Changes] = []
    changes.follow(seen.append)
    yield seen
    changes._followers.remove(seen.append)


def test_record_bumps_versions_and_stamps_and_tells_the_followers(make_page, heard):
    page = make_page("Flask", "x")
    before = Page.objects.get(pk=page.pk).version
    heard.clear()
    changes.record(changed=[page], targets=[("page", "flask")], collections=["wiki"])
    assert Page.objects.get(pk=page.pk).version == before + 1
    assert Stamp.objects.get(name="wiki").number >= 1
    assert len(heard) == 1 and heard[0].targets == {("page", "flask")}


def test_collect_merges_records_into_one(make_page, heard):
    a, b = make_page("A", "x"), make_page("B", "y")
    heard.clear()
    with changes.collect():
        changes.record(changed=[a])
        changes.record(shown=[b], collections=["wiki"])
        changes.record(changed=[b])  # changed wins over shown
        assert heard == []
    assert len(heard) == 1
    assert heard[0].changed == {changes.ref(a), changes.ref(b)} and heard[0].shown == set()


def test_a_removed_object_is_not_also_changed(make_page, heard):
    page = make_page("Gone", "x")
    heard.clear()
    change = changes.record(changed=[page], removed=[page])
    assert change.changed == set() and change.removed == {changes.ref(page)}


def test_a_save_never_writes_the_version_back(make_page):
    page = make_page("Flask", "x")
    stale = Page.objects.get(pk=page.pk)
    changes.record(changed=[page])
    current = Page.objects.get(pk=page.pk).version
    stale.summary = "edited with an old copy in hand"
    stale.save()
    assert Page.objects.get(pk=page.pk).version == current


def test_a_raw_load_keeps_the_version_rising(make_page):
    page = make_page("Flask", "x")
    current = Page.objects.get(pk=page.pk).version
    again = Page(pk=page.pk, title="Flask", slug="flask", body="x")  # as loaddata builds it
    changes.keep_version_rising(again)
    assert again.version == current + 1
