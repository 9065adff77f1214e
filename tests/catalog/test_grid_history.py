"""The capability grid (groups, capabilities, cells), its pages and CSV, compare by
capability, and the history of every catalog fact: written by every path, compared,
reverted, shown in Recent changes and the feed."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client

from catalog import history, services
from catalog.matrix import export_csv, import_csv
from catalog.models import (
    Capability,
    CapabilityGroup,
    FactProposal,
    Level,
    Relation,
    Revision,
    Support,
)


@pytest.fixture
def grid(small_catalog, source):
    interface = CapabilityGroup.objects.create(slug="interface", name="Interface", order=10)
    batteries = CapabilityGroup.objects.create(slug="batteries", name="Batteries", order=30)
    caps = {
        "asgi": Capability.objects.create(
            group=interface, slug="asgi", name="ASGI", definition="Runs under an ASGI server."
        ),
        "wsgi": Capability.objects.create(
            group=interface, slug="wsgi", name="WSGI", definition="Runs under a WSGI server."
        ),
        "orm": Capability.objects.create(
            group=batteries, slug="orm", name="ORM", definition="Tables as classes."
        ),
    }
    c = small_catalog
    cells = {}
    for fw, cap, level in [
        ("django", "asgi", Level.YES),
        ("django", "wsgi", Level.DEFAULT),
        ("django", "orm", Level.DEFAULT),
        ("flask", "asgi", Level.NO),
        ("flask", "wsgi", Level.DEFAULT),
        ("flask", "orm", Level.NO),
    ]:
        cells[f"{fw}-{cap}"] = services.support_save(
            support=Support(
                framework=c[fw],
                capability=caps[cap],
                level=level,
                evidence_url=f"https://docs.example/{fw}/{cap}",
                source=source,
                last_verified=datetime.date(2026, 12, 1),
            )
        )
    return {**c, **caps, "cells": cells, "interface": interface, "batteries": batteries}


# ---------------------------------------------------------------- model rules


def test_a_template_cell_gets_its_engines_capability(small_catalog):
    cell = Support.objects.get(framework=small_catalog["django"], engine=small_catalog["jinja"])
    assert cell.capability.engine == small_catalog["jinja"]
    assert cell.capability.slug == "jinja2" and cell.capability.group.slug == "templates"
    assert cell.row_slug == "jinja2"


def test_cell_rules(grid):
    # One cell per framework and capability.
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(framework=grid["django"], capability=grid["asgi"], level="NO")
    # A capability that is not the engine's.
    with pytest.raises(ValidationError) as error:
        Support(framework=grid["pylons"], capability=grid["asgi"], engine=grid["mako"]).full_clean()
    assert "engine" in error.value.message_dict
    # Neither a capability nor an engine.
    with pytest.raises(ValidationError):
        Support(framework=grid["pylons"], level="YES").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(framework=grid["pylons"], capability=grid["orm"], level="MAYBE")


def test_capability_and_group_rules(grid):
    with pytest.raises(IntegrityError), transaction.atomic():
        CapabilityGroup.objects.create(slug="interface", name="Other")
    with pytest.raises(IntegrityError), transaction.atomic():
        Capability.objects.create(group=grid["interface"], slug="asgi2", name="ASGI")


def test_revision_and_proposal_rules(grid):
    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.create(
            entry_name="x", object_type="entry", object_key="x", action="created",
            before={"a": 1}, after={"a": 2}, via="test",
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.create(
            entry_name="x", object_type="entry", object_key="x", action="deleted",
            before=None, after={"a": 2}, via="test",
        )  # fmt: skip
    FactProposal.objects.create(
        entry=grid["django"], field="latest_version", proposed="9.0", origin="test"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        FactProposal.objects.create(
            entry=grid["django"], field="latest_version", proposed="9.1", origin="test"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FactProposal.objects.create(
            entry=grid["flask"], field="licence", proposed="MIT", origin="t", status="accepted"
        )  # decided without a date


# ---------------------------------------------------------------- pages


def test_group_page_shows_capabilities_and_cells(client, grid):
    html = client.get("/catalog/grid/interface/").content.decode()
    assert "Runs under an ASGI server." in html
    head = html[html.index("<thead>") : html.index("</thead>")]
    assert head.index("ASGI") < head.index("WSGI")
    body = html[html.index("<tbody>") :]
    assert body.index("Django") < body.index("Flask")
    assert 'href="/catalog/matrix/flask/asgi/"' in html  # each cell links its evidence page


def test_templates_group_is_the_matrix(client, grid):
    response = client.get("/catalog/grid/templates/")
    assert response.status_code == 302 and response["Location"] == "/catalog/matrix/"
    assert client.get("/catalog/grid/nothing/").status_code == 404


def test_grid_index_and_capability_page(client, grid):
    html = client.get("/catalog/grid/").content.decode()
    assert "Interface" in html and "Batteries" in html and "Tables as classes." in html
    html = client.get("/catalog/capabilities/asgi/").content.decode()
    assert "1 framework has it" in html
    assert html.index("Django") < html.index("Flask")  # those that have it first
    assert "/catalog/matrix/flask/asgi/" in html
    assert "Pylons" in html  # not known yet


def test_cell_page_for_a_capability(client, grid):
    html = client.get("/catalog/matrix/flask/asgi/").content.decode()
    assert "Does Flask have ASGI?" in html
    assert "https://docs.example/flask/asgi" in html
    # Template cells keep their address.
    assert client.get("/catalog/matrix/django/jinja2/").status_code == 200


def test_framework_page_shows_its_cells_by_group(client, grid):
    html = client.get("/catalog/django/").content.decode()
    assert html.index("Interface") < html.index("Batteries") < html.index("Template engines")
    assert 'id="cap-asgi"' in html and 'id="engine-jinja2"' in html
    assert "/catalog/django/history/" in html


def test_compare_puts_differences_first_and_folds_the_same(client, grid):
    html = client.get("/catalog/compare/?f=django&f=flask").content.decode()
    section = html[html.index('id="cg-interface"') :]
    section = section[: section.index("</section>")]
    differing, same = section.split("<details", 1)
    assert "ASGI" in differing and "WSGI" not in differing
    assert "Same for all: 1 row" in same and "WSGI" in same


def test_grid_exports(client, grid):
    csv_text = client.get("/catalog/grid.csv").content.decode()
    header = csv_text.splitlines()[0]
    assert header.startswith("framework,group,capability,level")
    assert "django,interface,asgi,YES" in csv_text
    assert "django,templates,jinja2,YES" in csv_text  # the template cells are in the grid
    data = json.loads(client.get("/catalog/grid.json").content)
    groups = {g["slug"]: g for g in data["groups"]}
    assert [c["slug"] for c in groups["interface"]["capabilities"]] == ["asgi", "wsgi"]
    assert {"framework": "flask", "capability": "orm", "level": "NO"}.items() <= next(
        c for c in data["cells"] if c["framework"] == "flask" and c["capability"] == "orm"
    ).items()
    # The template matrix's CSV keeps its columns.
    assert export_csv().splitlines()[0].startswith("framework,engine,level")


def test_grid_csv_round_trip_and_history(grid):
    text = export_csv(grid=True).replace("flask,interface,asgi,NO", "flask,interface,asgi,YES")
    result = import_csv(text, comment="Quart-style ASGI since 2.2")
    assert result.ok and result.updated == 1, result.errors
    cell = Support.objects.get(framework=grid["flask"], capability=grid["asgi"])
    assert cell.level == Level.YES
    revision = Revision.objects.filter(object_key="flask/asgi").first()
    assert revision.via == "import" and revision.comment == "Quart-style ASGI since 2.2"
    assert revision.before["level"] == "NO" and revision.after["level"] == "YES"


def test_bad_grid_csv_names_every_row_and_writes_nothing(grid, tmp_path, capsys):
    path = tmp_path / "grid.csv"
    path.write_text(
        "framework,capability,level\n"
        "django,asgi,NO\n"
        "django,no-such-capability,YES\n"
        "ghost,orm,YES\n"
        "flask,orm,SOMETIMES\n",
        encoding="utf-8",
    )
    before = list(Support.objects.values_list("pk", "level"))
    with pytest.raises(CommandError):
        call_command("import_matrix", str(path))
    err = capsys.readouterr().err
    assert f"{path}:3: unknown capability “no-such-capability”" in err
    assert f"{path}:4: unknown framework “ghost”" in err
    assert f"{path}:5: invalid level" in err
    assert list(Support.objects.values_list("pk", "level")) == before


# ---------------------------------------------------------------- history


def test_admin_save_writes_a_revision_with_who_and_why(staff_client, staff_user, grid):
    django = grid["django"]
    data = {
        "name": "Django",
        "slug": "django",
        "kind": "full-stack",
        "status": "maintenance",
        "status_note": "",
        "first_release": "2005",
        "python_versions": list(django.python_versions.values_list("pk", flat=True)),
        "change_comment": "Checked the release notes",
        "aliases_text": "",
    }
    for prefix in ("support_row", "relations_out", "relations_in"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = staff_client.post(f"/admin/catalog/framework/{django.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    revision = Revision.objects.filter(entry=django, object_type="entry").first()
    assert revision.user == staff_user and revision.via == "admin"
    assert revision.comment == "Checked the release notes"
    assert ("status", "active", "maintenance") in revision.changed_fields()


def test_every_write_path_keeps_history(grid, source):
    relation = services.relation_save(
        relation=Relation(source=grid["flask"], type="uses", target=grid["jinja"])
    )
    assert Revision.objects.filter(object_key="flask uses jinja2", action="created").exists()
    services.relation_delete(relation=relation)
    assert Revision.objects.filter(object_key="flask uses jinja2", action="deleted").exists()
    cell = grid["cells"]["django-orm"]
    services.support_delete(support=cell, comment="wrong")
    revision = Revision.objects.filter(object_key="django/orm").first()
    assert revision.action == "deleted" and revision.before["level"] == "DEFAULT"
    # Saving without a change writes nothing.
    count = Revision.objects.count()
    services.entry_save(entry=grid["flask"])
    assert Revision.objects.count() == count


def test_fixture_loads_keep_history(grid, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "cells.json"
    path.write_text(
        json.dumps(
            [
                {
                    "model": "catalog.support",
                    "fields": {"framework": ["flask"], "capability": ["orm"], "level": "YES"},
                }
            ]
        ),
        encoding="utf-8",
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddata", str(path), verbosity=0)
    revision = Revision.objects.filter(object_key="flask/orm").first()
    assert revision.via == "fixtures" and revision.before["level"] == "NO"
    assert revision.after["level"] == "YES"


def test_revert_a_change_a_creation_and_a_deletion(grid, staff_user):
    cell = grid["cells"]["flask-asgi"]
    cell.level = Level.YES
    services.support_save(support=cell)
    change = Revision.objects.filter(object_key="flask/asgi").first()
    services.revert(change, actor=staff_user, comment="No: it is WSGI only")
    cell.refresh_from_db()
    assert cell.level == Level.NO
    undo = Revision.objects.filter(object_key="flask/asgi").first()
    assert undo.via == "revert" and undo.user == staff_user

    # Undo a deletion: the entry comes back with its facts.
    kid = grid["kid"]
    services.entry_delete(entry=kid)
    deleted = Revision.objects.filter(object_key="kid", action="deleted").first()
    services.revert(deleted)
    assert services.Entry.objects.filter(slug="kid", name="Kid").exists()

    # Undo a creation: gone again.
    created = Revision.objects.filter(object_key="kid", action="created").first()
    services.revert(created)
    assert not services.Entry.objects.filter(slug="kid").exists()


def test_revert_only_the_fields_the_change_touched(grid):
    flask = grid["flask"]
    flask.licence = "BSD"
    services.entry_save(entry=flask)
    change = Revision.objects.filter(entry=flask, object_type="entry").first()
    flask.summary = "A later edit"
    services.entry_save(entry=flask)
    services.revert(change)
    flask.refresh_from_db()
    assert flask.licence == "" and flask.summary == "A later edit"


def test_history_pages_compare_and_revert_button(staff_client, grid):
    client = Client()  # a reader (staff_client is the same object as `client`)
    cell = grid["cells"]["django-asgi"]
    first = Revision.objects.filter(object_key="django/asgi").first()
    cell.level = Level.DEFAULT
    services.support_save(support=cell, comment="Native since 3.0")
    latest = Revision.objects.filter(object_key="django/asgi").first()
    html = client.get("/catalog/django/history/").content.decode()
    assert "ASGI: Yes → Default" in html and "Native since 3.0" in html
    html = client.get(f"/catalog/history/django/compare/?old={first.pk}&new={latest.pk}")
    html = html.content.decode()
    assert "Cell: ASGI" in html and "<del>YES</del>" in html and "<ins>DEFAULT</ins>" in html
    # Nonsense versions: a page saying what to do, not an error.
    response = client.get("/catalog/history/django/compare/?old=x&new=99999")
    assert response.status_code == 200 and "Pick two versions" in response.content.decode()
    # Readers see the change; only editors get the revert button, and only by POST.
    assert "Undo this change" not in client.get(latest.get_absolute_url()).content.decode()
    assert "Undo this change" in staff_client.get(latest.get_absolute_url()).content.decode()
    assert client.post(f"/catalog/changes/{latest.pk}/revert/").status_code == 302
    cell.refresh_from_db()
    assert cell.level == Level.DEFAULT  # the anonymous POST went to the log-in page
    staff_client.post(f"/catalog/changes/{latest.pk}/revert/", {"comment": "too soon"})
    cell.refresh_from_db()
    assert cell.level == Level.YES


def test_catalog_changes_in_recent_changes_and_feed(client, grid, make_page):
    make_page("Some page", "text")
    cell = grid["cells"]["flask-orm"]
    cell.level = Level.YES
    services.support_save(support=cell, comment="Flask-SQLAlchemy counts")
    html = client.get("/wiki/_recent/").content.decode()
    assert "ORM: No → Yes" in html and "Some page" in html
    assert "Flask-SQLAlchemy counts" in html
    feed = client.get("/wiki/_recent/feed/").content.decode()
    assert "Flask: ORM: No → Yes" in feed


def test_describe_lines(grid):
    cell = grid["cells"]["django-asgi"]
    created = Revision.objects.filter(object_key="django/asgi").first()
    assert history.describe(created) == "ASGI: Yes (new)"
    cell.notes = "n"
    cell.level = Level.NO
    services.support_save(support=cell)
    assert history.describe(Revision.objects.first()) == "ASGI: level, notes"


def test_catalog_feeds_carry_what_changed(client, grid):
    cell = grid["cells"]["flask-orm"]
    cell.level = Level.YES
    services.support_save(support=cell, comment="Flask-SQLAlchemy <counts>")
    feed = client.get("/catalog/flask/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    text = feed.content.decode()
    assert "Flask: ORM: No → Yes" in text
    assert "level: NO → YES" in text
    assert "Flask-SQLAlchemy &amp;lt;counts&amp;gt;" in text  # escaped twice: HTML in XML
    assert "/catalog/changes/" in text
    everything = client.get("/catalog/changes/feed/").content.decode()
    assert "Flask: ORM: No → Yes" in everything
    assert client.get("/catalog/components/jinja2/feed/").status_code == 200
    assert client.get("/catalog/nothing/feed/").status_code == 404
    # Linked from the pages they follow.
    page = client.get("/catalog/flask/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/catalog/flask/feed/"' in page


def test_renaming_a_capability_in_the_admin_updates_the_pages_showing_it(staff_client, grid):
    django = grid["django"]
    version = services.Entry.objects.get(pk=django.pk).version
    asgi = grid["asgi"]
    response = staff_client.post(
        f"/admin/catalog/capability/{asgi.pk}/change/",
        {
            "group": asgi.group_id,
            "slug": "asgi",
            "name": "ASGI 3",
            "definition": asgi.definition,
            "order": asgi.order,
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert services.Entry.objects.get(pk=django.pk).version > version
    assert "ASGI 3" in Client().get("/catalog/django/").content.decode()
