"""Matrix exports and the import_matrix command: round trip, validation, dry run."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from catalog.matrix import FIELDS, _guard, _unguard, export_csv, import_csv
from catalog.models import Level, Support


def snapshot() -> list[tuple]:
    return list(
        Support.objects.order_by("framework__slug", "engine__slug").values_list(
            "framework__slug",
            "engine__slug",
            "level",
            "uncertain",
            "undefined_in_source",
            "superseded_by__slug",
            "raw_value",
            "notes",
            "evidence_page__slug",
            "evidence_url",
            "source__key",
            "last_verified",
        )
    )


@pytest.fixture
def rich_catalog(small_catalog, make_page, source):
    cell = small_catalog["cells"]["django-jinja"]
    cell.notes = 'Needs "django-jinja",\nsee the docs.'
    cell.evidence_page = make_page("Django and Jinja2")
    cell.evidence_url = "https://example.com/a?b=1&c=2"
    cell.source = source
    cell.last_verified = datetime.date(2024, 5, 1)
    cell.save()
    return small_catalog


def test_csv_export(client, rich_catalog):
    response = client.get("/catalog/matrix.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == FIELDS
    assert len(rows) == 7
    by_pair = {(r["framework"], r["engine"]): r for r in rows}
    assert by_pair[("pylons", "kid")]["superseded_by"] == "mako"
    assert by_pair[("pylons", "jinja2")]["undefined_in_source"] == "true"
    assert by_pair[("pylons", "jinja2")]["raw_value"] == "M"
    assert by_pair[("django", "jinja2")]["last_verified"] == "2024-05-01"
    assert by_pair[("django", "jinja2")]["source"] == "seed-002"


def test_json_export(client, rich_catalog):
    data = json.loads(client.get("/catalog/matrix.json").content)
    assert {f["slug"] for f in data["frameworks"]} == {"django", "flask", "pylons"}
    cell = next(c for c in data["cells"] if (c["framework"], c["engine"]) == ("flask", "mako"))
    assert cell["level"] == "NO" and cell["uncertain"] is True and cell["label"] == "No?"
    assert set(data["levels"]) == set(Level.values)


def test_round_trip_changes_nothing(rich_catalog, tmp_path):
    before = snapshot()
    path = tmp_path / "matrix.csv"
    path.write_text(export_csv(), encoding="utf-8")
    out = io.StringIO()
    call_command("import_matrix", str(path), stdout=out)
    assert "0 created, 0 updated, 7 unchanged" in out.getvalue()
    assert snapshot() == before
    # Twice: still nothing.
    call_command("import_matrix", str(path), stdout=io.StringIO())
    assert snapshot() == before


def test_import_creates_and_updates(small_catalog, tmp_path):
    text = export_csv().replace("flask,mako,NO,true", "flask,mako,YES,false")
    text += "flask,kid,PLANNED,false,false,,P,,,,,2025-01-31\n"
    result = import_csv(text)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 6)
    assert Support.objects.get(framework__slug="flask", engine__slug="mako").level == Level.YES
    kid = Support.objects.get(framework__slug="flask", engine__slug="kid")
    assert kid.level == Level.PLANNED and kid.last_verified == datetime.date(2025, 1, 31)


BAD_ROWS = [
    ("nope,jinja2,YES,false,false,,,,,,,", "unknown framework “nope”"),
    ("flask,nope,YES,false,false,,,,,,,", "unknown engine “nope”"),
    ("flask,kid,SOMETIMES,false,false,,,,,,,", "invalid level “SOMETIMES”"),
    ("flask,kid,OBSOLETED,false,false,,,,,,,", "OBSOLETED needs the engine"),
    ("flask,kid,YES,false,false,mako,,,,,,", "only OBSOLETED takes a successor"),
    ("flask,kid,YES,false,false,,,,,,,2024-13-45", "bad date “2024-13-45”"),
    ("flask,kid,YES,perhaps,false,,,,,,,", "uncertain must be true or false"),
    ("flask,kid,YES,false,false,,,,no-such-page,,,", "unknown evidence page"),
    ("flask,kid,YES,false,false,,,,,,no-source,", "unknown source"),
    ("flask,kid,YES,false,false,,,,,not a url,,", "evidence_url"),
    ("flask,flask,YES,false,false,,,,,,,", "its own template engine"),
    ("flask,kid,YES", "3 fields, expected 12"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_bad_row_reported_with_line_and_nothing_changes(small_catalog, tmp_path, row, message):
    before = snapshot()
    lines = export_csv().splitlines()
    # A good change first (line 2), then the bad row (line 9): neither is applied.
    lines[1] = lines[1].replace(",DEFAULT,", ",NO,")
    lines.append(row)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_matrix", str(path), stderr=err, stdout=io.StringIO())
    assert f"bad.csv:{len(lines)}: " in err.getvalue()
    assert message in err.getvalue()
    assert snapshot() == before


def test_several_bad_rows_all_reported(small_catalog):
    text = (
        ",".join(FIELDS) + "\n"
        "pylons,mako,NOPE,false,false,,,,,,,\n"
        'flask,mako,YES,false,false,,,"multi\nline note",,,,\n'
        "flask,kid,YES,false,false,,,,,,,\n"
        "flask,kid,NO,false,false,,,,,,,\n"
        "ghost,kid,YES,false,false,,,,,,,\n"
    )
    result = import_csv(text)
    assert [(e.line, e.message.split(" ")[0]) for e in result.errors] == [
        (2, "invalid"),
        (6, "flask"),  # duplicate of line 5 (the quoted note spans lines 3–4)
        (7, "unknown"),
    ]
    assert "already on line 5" in result.errors[1].message


def test_missing_columns_reported(small_catalog):
    result = import_csv("framework,engine\nflask,kid\n")
    assert not result.ok and "level" in result.errors[0].message


def test_dry_run_changes_nothing(small_catalog, tmp_path):
    before = snapshot()
    text = export_csv().replace("flask,mako,NO,true", "flask,mako,YES,false")
    text += "flask,kid,PLANNED,false,false,,P,,,,,\n"
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import_matrix", str(path), "--dry-run", stdout=out)
    assert "Dry run, nothing changed: 1 would be created, 1 would be updated, 6 unchanged" in (
        out.getvalue()
    )
    assert snapshot() == before


def test_missing_file(db):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_matrix", "/nonexistent/matrix.csv")


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil")', "+1+1", "-2", "@SUM(A1)"])
def test_export_defuses_spreadsheet_formulas_and_reads_them_back(rich_catalog, text):
    """A note starting with = + - @ would run as a formula in a spreadsheet: the export
    writes it with a leading apostrophe, and importing the file restores the exact text."""
    cell = rich_catalog["cells"]["django-jinja"]
    cell.notes = text
    cell.save()
    before = snapshot()
    rows = list(csv.DictReader(io.StringIO(export_csv())))
    note = next(r for r in rows if (r["framework"], r["engine"]) == ("django", "jinja2"))["notes"]
    assert note == f"'{text}"
    result = import_csv(export_csv())
    assert result.unchanged == len(before)
    assert snapshot() == before


# The guard is reversible exactly (issue 15, finding 11): apostrophes included.
TEXTS = ["'=SUM(A1)", "'+1", "'-2", "'@x", "'", "''", "''=x", "'hello", "'\\t", "=x", "plain"]


@pytest.mark.parametrize("text", TEXTS)
def test_notes_starting_with_an_apostrophe_round_trip(rich_catalog, text):
    cell = rich_catalog["cells"]["django-jinja"]
    cell.notes = text
    cell.raw_value = text
    cell.save()
    exported = export_csv()
    row = next(
        r
        for r in csv.DictReader(io.StringIO(exported))
        if (r["framework"], r["engine"]) == ("django", "jinja2")
    )
    assert not row["notes"].startswith(("=", "+", "-", "@", "\t"))  # still defused
    cell.notes = cell.raw_value = "changed meanwhile"
    cell.save()
    import_csv(exported)
    cell = Support.objects.get(pk=cell.pk)
    assert (cell.notes, cell.raw_value) == (text, text)


@given(st.text(alphabet="'=+-@ab\t", max_size=8))
def test_guard_is_reversible(text):
    guarded = _guard(text)
    assert _unguard(guarded) == text
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_files_written_before_still_read_as_before():
    # An earlier export wrote "'hello" for the note "'hello": still read that way.
    assert _unguard("'hello") == "'hello"
    assert _unguard("'=x") == "=x"
