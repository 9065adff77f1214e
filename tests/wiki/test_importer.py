import json

import pytest
from django.core.management import call_command

from wiki import services
from wiki.importer import import_lines
from wiki.models import Page

pytestmark = pytest.mark.django_db


def write_lines(tmp_path, lines: list[str]):
    path = tmp_path / "pages.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_creates_updates_and_reports_bad_lines(tmp_path, capsys, make_page):
    make_page("Existing", "old body")
    path = write_lines(
        tmp_path,
        [
            json.dumps({"title": "Flask", "body": "See [[Jinja2]].", "tags": ["micro"]}),
            "{not json",
            json.dumps({"title": "Jinja2", "body": "Templates.", "summary": "Engine"}),
            json.dumps({"body": "no title"}),
            json.dumps({"title": "Existing", "body": "new body"}),
            json.dumps({"title": "../bad", "body": "x"}),
            json.dumps(["a list"]),
            json.dumps({"title": "X", "body": "y", "colour": "red"}),
        ],
    )
    call_command("import_pages", str(path))
    out, err = capsys.readouterr()
    assert "2 created, 1 updated, 0 unchanged, 5 bad line(s) skipped" in out
    for number in (2, 4, 6, 7, 8):
        assert f"line {number}:" in err
    assert "line 2: not valid JSON" in err
    assert set(Page.objects.values_list("title", flat=True)) == {"Existing", "Flask", "Jinja2"}
    flask = Page.objects.get(title="Flask")
    assert 'href="/wiki/jinja2/"' in flask.current_revision.html  # linked within the batch
    assert Page.objects.get(title="Existing").revision_number == 2


def test_export_import_round_trip_changes_nothing(tmp_path, capsys, make_page):
    make_page("Flask", "Micro [[Jinja2]]", summary="s", tags="micro, wsgi")
    make_page("Jinja2", "Templates ünïcode")
    out = tmp_path / "export.jsonl"
    call_command("export_pages", str(out))
    before = list(Page.objects.values_list("title", "slug", "body", "revision_number"))
    call_command("import_pages", str(out))
    assert "0 created, 0 updated, 2 unchanged, 0 bad" in capsys.readouterr().out
    assert list(Page.objects.values_list("title", "slug", "body", "revision_number")) == before
    again = tmp_path / "again.jsonl"
    call_command("export_pages", str(again))
    assert again.read_text() == out.read_text()


def test_import_into_empty_database_then_again_is_idempotent(tmp_path, capsys):
    path = write_lines(tmp_path, [json.dumps({"title": f"P{i}", "body": "b"}) for i in range(5)])
    call_command("import_pages", str(path), "--batch-size", "2")
    call_command("import_pages", str(path))
    assert "0 created, 0 updated, 5 unchanged" in capsys.readouterr().out
    assert Page.objects.count() == 5


def test_missing_file_is_a_clear_error(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No such file"):
        call_command("import_pages", str(tmp_path / "nope.jsonl"))


# ---------------------------------------------------------------- the bulk path


def _linked_corpus(n: int) -> list[str]:
    """n pages, each linking to the next and the previous (forward links arrive later)."""
    return [
        json.dumps(
            {
                "title": f"Bulk Page {i}",
                "body": f"# Page {i}\n\nSee [[Bulk Page {(i + 1) % n}]] and "
                f"[[Bulk Page {(i - 1) % n}]], and [[Nowhere {i}]].\n\n```python\nx = {i}\n```",
                "tags": ["bulk", f"group {i % 3}"],
            }
        )
        for i in range(n)
    ]


def _check_linked(n: int) -> None:
    from wiki.models import PageLink, Revision

    pages = Page.objects.filter(title__startswith="Bulk Page").select_related("current_revision")
    assert pages.count() == n
    # Rendered once each: revision 1, with blue links both ways and a red one.
    assert Revision.objects.filter(page__in=pages).count() == n
    for page in pages:
        i = int(page.title.rsplit(" ", 1)[1])
        html = page.current_revision.html
        assert page.revision_number == 1
        assert f'href="/wiki/bulk-page-{(i + 1) % n}/"' in html
        assert f'href="/wiki/bulk-page-{(i - 1) % n}/"' in html
        assert 'class="wikilink missing"' in html
        assert '<div class="highlight">' in html
        assert sorted(t.name for t in page.tags.all()) == ["bulk", f"group {i % 3}"]
    resolved = PageLink.objects.filter(source__in=pages, resolved=True)
    assert resolved.count() == 2 * n
    assert all(link.target_id for link in resolved)
    assert PageLink.objects.filter(source__in=pages, resolved=False).count() == n


def convert_and_log(body, targets):
    """Module-level, so the render workers (forked after the patch) are handed it by name."""
    import os

    from wiki import markup

    with open(os.environ["RENDER_LOG"], "a") as f:
        f.write(f"{os.getpid()}\n")
    return markup.convert(body, targets)


@pytest.mark.django_db(transaction=True)
def test_bulk_import_renders_each_page_once_in_worker_processes(monkeypatch, tmp_path):
    """Enough pages for the worker processes: every page rendered once, by two workers
    (none here), links resolved both ways although half of them point at pages later in
    the file, and all searchable."""
    import os

    from search import api
    from wiki import render

    log = tmp_path / "renderers"
    monkeypatch.setenv("RENDER_LOG", str(log))
    monkeypatch.setattr(render, "convert", convert_and_log)
    n = render.MIN_ITEMS_FOR_WORKERS + 16
    report = import_lines(_linked_corpus(n), batch_size=25, workers=2)
    assert (report.created, report.errors) == (n, [])
    _check_linked(n)
    renderers = log.read_text().split()
    assert len(renderers) == n  # once each
    assert str(os.getpid()) not in renderers
    assert len(set(renderers)) == 2  # by the two workers
    results = api.run_search('"Bulk Page 7"').results
    assert any(hit.title == "Bulk Page 7" for hit in results.hits)


def test_bulk_import_inside_a_transaction_renders_here():
    n = 12
    report = import_lines(_linked_corpus(n), batch_size=5, workers=2)
    assert report.created == n
    _check_linked(n)


def test_a_page_opened_or_edited_between_the_passes_keeps_that_state(db):
    """Between insert and render a reader may open a new page (it renders on the spot) or
    an editor may save it: the render pass leaves both alone."""
    from wiki.models import Revision
    from wiki.views import _get_page

    opened, edited, plain = services.pages_insert(
        [
            services.prepare_new_page(title=t, body=f"[[{t}]] body")
            for t in ("Opened", "Edited", "Plain")
        ]
    )
    assert opened.current_revision is None
    _get_page(opened.slug)  # a reader opens it
    services.page_update(page=edited, body="edited by someone")
    assert services.pages_render_new([opened.pk, edited.pk, plain.pk]) == 1
    for page in (opened, edited, plain):
        page.refresh_from_db()
        assert page.revision_number == 1
        assert Revision.objects.filter(page=page).count() == 1
    assert edited.current_revision.body == "edited by someone"
    assert "edited by someone" in edited.current_revision.html


def test_the_same_title_twice_in_one_import_updates_the_first(tmp_path):
    lines = [
        json.dumps({"title": "Twice", "body": "first"}),
        json.dumps({"title": "Other", "body": "x"}),
        json.dumps({"title": "twice", "body": "second"}),
        json.dumps({"title": "Third", "body": "y"}),
        json.dumps({"title": "TWICE", "body": "third"}),
    ]
    report = import_lines(lines, batch_size=3)
    assert (report.created, report.updated, report.errors) == (3, 2, [])
    page = Page.objects.get(key="twice")
    assert page.body == "third"
    assert "third" in page.current_revision.html
    assert page.revision_number == page.revisions.count()


def test_a_title_taken_meanwhile_is_reported_and_the_rest_kept(monkeypatch, make_page):
    """Another editor creates a title after the import checked it and before the bulk
    insert: the insert fails as a whole, the batch is redone a line at a time, and only
    that line is reported."""
    from wiki import importer

    make_page("Contested", "theirs")  # committed by "someone else" after our look-up:
    real_known = importer._Known.__init__

    def blind(self, rows):
        real_known(self, [])

    monkeypatch.setattr(importer._Known, "__init__", blind)
    lines = [json.dumps({"title": t, "body": "ours"}) for t in ("Calm", "Contested", "Quiet")]
    report = import_lines(lines)
    assert report.created == 2
    assert [n for n, _ in report.errors] == [2]
    assert "already exists" in report.errors[0][1]
    assert Page.objects.get(title="Contested").body == "theirs"
    assert {p.title for p in Page.objects.filter(revision_number=1)} == {
        "Calm",
        "Contested",
        "Quiet",
    }


def test_lines_see_the_changes_of_earlier_lines_in_their_batch(make_page):
    """A batch looks its pages up once, and keeps that view true as it writes: a page
    renamed by one line no longer answers to its old title on the next."""
    make_page("Old Name", "old")
    lines = [
        json.dumps({"slug": "old-name", "title": "New Name", "body": "renamed"}),
        json.dumps({"title": "Old Name", "body": "a new page with the old title"}),
        json.dumps({"title": "new name", "body": "renamed again"}),
    ]
    report = import_lines(lines)
    assert (report.created, report.updated, report.errors) == (1, 2, [])
    renamed = Page.objects.get(slug="old-name")
    assert (renamed.title, renamed.body, renamed.revision_number) == (
        "new name",
        "renamed again",
        3,
    )
    fresh = Page.objects.get(title="Old Name")
    assert fresh.slug == "old-name-2"
    assert "a new page with the old title" in fresh.current_revision.html
