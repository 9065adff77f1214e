import json

import pytest
from django.core.management import call_command

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
