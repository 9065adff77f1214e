"""The support grid's CSV and JSON: how cells travel out and back in (how a cell reads on a
page is catalog/cells.py).

Two CSV exports, one row per cell (slugs for entries, capabilities and pages, the
source's key, ISO dates, booleans as true/false):

- the template matrix, /catalog/matrix.csv (as it always was)::

    framework,engine,level,uncertain,undefined_in_source,superseded_by,raw_value,notes,
    evidence_page,evidence_url,source,last_verified

- the whole grid, /catalog/grid.csv: ``framework,group,capability,level,…`` (the same
  columns after ``level``, ``engine`` dropped; a Templates capability's slug is its
  engine's).

:func:`import_csv` reads either back (a row names its capability, or its engine): it
validates every row first and writes nothing unless all are good (and nothing at all
with ``dry_run``), in one transaction.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from catalog import grid, services
from catalog.cells import LEVEL_MEANINGS, cell_label
from catalog.models import Capability, Entry, Level, Source, Support
from core import changes
from core.text import clean_text
from wiki.models import Page

FIELDS = [
    "framework",
    "engine",
    "level",
    "uncertain",
    "undefined_in_source",
    "superseded_by",
    "raw_value",
    "notes",
    "evidence_page",
    "evidence_url",
    "source",
    "last_verified",
]
CELL_FIELDS = FIELDS[2:]
GRID_FIELDS = ["framework", "group", "capability", *CELL_FIELDS]
KNOWN_COLUMNS = {*FIELDS, *GRID_FIELDS}
REQUIRED = ["framework", "level"]
TRUE = {"true", "yes", "1", "y"}
FALSE = {"false", "no", "0", "n", ""}

# ---------------------------------------------------------------- export


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# free-text cells that do are written with a leading apostrophe, which reading drops. Text
# that really starts with an apostrophe gets one more, so that reading gives back exactly
# what was written: "'=x" is exported as "''=x", not confused with a guarded "=x".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_GUARDED = (*_FORMULA_START, "'")


def _guard(text: str) -> str:
    return f"'{text}" if text.startswith(_GUARDED) else text


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_GUARDED) else text


def cell_record(cell: Support, *, grid: bool = False) -> dict[str, str]:
    row = {"framework": cell.framework.slug}
    if grid:
        row["group"] = cell.capability.group.slug
        row["capability"] = cell.capability.slug
    else:
        row["engine"] = cell.engine.slug
    return {
        **row,
        "level": cell.level,
        "uncertain": "true" if cell.uncertain else "false",
        "undefined_in_source": "true" if cell.undefined_in_source else "false",
        "superseded_by": cell.superseded_by.slug if cell.superseded_by_id else "",
        "raw_value": _guard(cell.raw_value),
        "notes": _guard(cell.notes),
        "evidence_page": cell.evidence_page.slug if cell.evidence_page_id else "",
        "evidence_url": cell.evidence_url,
        "source": cell.source.key if cell.source_id else "",
        "last_verified": cell.last_verified.isoformat() if cell.last_verified else "",
    }


def export_cells() -> Iterable[Support]:
    """The template matrix's cells."""
    return grid.cells().templates().order_by("framework__slug", "engine__slug")


def grid_cells() -> Iterable[Support]:
    """Every cell of the grid, group by group."""
    return grid.cells().order_by(
        "framework__slug", "capability__group__order", "capability__order", "capability__slug"
    )


def write_csv(out: IO[str], cells: Iterable[Support] | None = None, *, grid: bool = False) -> None:
    writer = csv.DictWriter(out, fieldnames=GRID_FIELDS if grid else FIELDS, lineterminator="\n")
    writer.writeheader()
    for cell in (grid_cells() if grid else export_cells()) if cells is None else cells:
        writer.writerow(cell_record(cell, grid=grid))


def export_csv(*, grid: bool = False) -> str:
    out = io.StringIO()
    write_csv(out, grid=grid)
    return out.getvalue()


def export_grid_json() -> dict:
    """The whole grid: groups with their capabilities (each defined), and every cell."""
    groups: dict[str, dict] = {}
    for capability in Capability.objects.select_related("group", "engine"):
        group = groups.setdefault(
            capability.group.slug,
            {
                "slug": capability.group.slug,
                "name": capability.group.name,
                "description": capability.group.description,
                "capabilities": [],
            },
        )
        group["capabilities"].append(
            {
                "slug": capability.slug,
                "name": capability.name,
                "definition": capability.definition,
                "engine": capability.engine.slug if capability.engine_id else None,
            }
        )
    cells = list(grid_cells())
    frameworks = {c.framework.slug: c.framework.name for c in cells}
    return {
        "levels": {level.value: LEVEL_MEANINGS[level] for level in Level},
        "groups": list(groups.values()),
        "frameworks": [{"slug": s, "name": n} for s, n in sorted(frameworks.items())],
        "cells": [
            {
                **cell_record(cell, grid=True),
                "uncertain": cell.uncertain,
                "undefined_in_source": cell.undefined_in_source,
                "label": cell_label(cell),
            }
            for cell in cells
        ],
    }


def export_json() -> dict:
    cells = list(export_cells())
    frameworks = {c.framework.slug: c.framework.name for c in cells}
    engines = {c.engine.slug: c.engine.name for c in cells}
    return {
        "levels": {level.value: LEVEL_MEANINGS[level] for level in Level},
        "frameworks": [{"slug": s, "name": n} for s, n in sorted(frameworks.items())],
        "engines": [{"slug": s, "name": n} for s, n in sorted(engines.items())],
        "cells": [
            {
                **cell_record(cell),
                "uncertain": cell.uncertain,
                "undefined_in_source": cell.undefined_in_source,
                "label": cell_label(cell),
            }
            for cell in cells
        ],
    }


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        return (
            f"{self.created} {verb}created, {self.updated} {verb}updated, "
            f"{self.unchanged} unchanged"
        )


class CSVFormatError(Exception):
    """The file as a whole is unusable (no header, missing columns)."""


COMPARED = [
    "level",
    "uncertain",
    "undefined_in_source",
    "superseded_by_id",
    "raw_value",
    "notes",
    "evidence_page_id",
    "evidence_url",
    "source_id",
    "last_verified",
]


def _read(source: IO[str] | str) -> list[tuple[int, dict[str, str]]]:
    text = source if isinstance(source, str) else source.read()
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise CSVFormatError("The file is empty; expected a header row.") from None
    missing = [c for c in REQUIRED if c not in header]
    if "capability" not in header and "engine" not in header:
        missing.append("capability (or engine)")
    if missing:
        raise CSVFormatError(
            f"Line 1: the header lacks the column(s) {', '.join(missing)}; "
            f"expected {','.join(GRID_FIELDS)} (or, for template engines, {','.join(FIELDS)})."
        )
    unknown = [c for c in header if c not in KNOWN_COLUMNS]
    if unknown:
        raise CSVFormatError(f"Line 1: unknown column(s) {', '.join(unknown)}.")
    rows = []
    previous = reader.line_num
    for values in reader:
        start = previous + 1
        previous = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            rows.append((start, {"__error__": f"{len(values)} fields, expected {len(header)}"}))
            continue
        rows.append((start, dict(zip(header, values, strict=True))))
    return rows


def _bool(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValueError(f"{name} must be true or false, not “{value}”")


def _validate(
    line: int, row: dict[str, str], lookups: dict, seen: dict[tuple[str, str], int]
) -> tuple[dict | None, list[str]]:
    if "__error__" in row:
        return None, [row["__error__"]]
    entries, pages, sources = lookups["entries"], lookups["pages"], lookups["sources"]
    capabilities = lookups["capabilities"]
    problems: list[str] = []
    fw_slug = row["framework"].strip()
    en_slug = row.get("engine", "").strip()
    cap_slug = row.get("capability", "").strip()
    framework = entries.get(fw_slug)
    engine = entries.get(en_slug) if en_slug else None
    capability = capabilities.get(cap_slug) if cap_slug else None
    if not fw_slug:
        problems.append("no framework given")
    elif framework is None:
        problems.append(f"unknown framework “{fw_slug}”")
    if not cap_slug and not en_slug:
        problems.append("no capability (or engine) given")
    if cap_slug and capability is None:
        problems.append(f"unknown capability “{cap_slug}”")
    if en_slug and engine is None:
        problems.append(f"unknown engine “{en_slug}”")
    if capability is not None and engine is not None and capability.engine_id != engine.pk:
        problems.append(f"capability “{cap_slug}” is not the engine “{en_slug}”")
    if capability is not None and engine is None and capability.engine_id:
        engine = capability.engine
    if capability is None and engine is not None:
        capability = lookups["engine_capabilities"].get(engine.pk)
    if fw_slug and fw_slug == en_slug:
        problems.append("a framework cannot be its own template engine")
    pair = (fw_slug, cap_slug or en_slug)
    if fw_slug and pair[1] and pair in seen:
        problems.append(f"{fw_slug} × {pair[1]} is already on line {seen[pair]}")
    seen.setdefault(pair, line)

    level = row["level"].strip().upper()
    if level not in Level.values:
        problems.append(
            f"invalid level “{row['level']}” (expected one of {', '.join(Level.values)})"
        )
    values: dict = {"level": level}
    for name in ("uncertain", "undefined_in_source"):
        try:
            values[name] = _bool(row.get(name, ""), name)
        except ValueError as error:
            problems.append(str(error))
    successor_slug = row.get("superseded_by", "").strip()
    successor = entries.get(successor_slug) if successor_slug else None
    if successor_slug and successor is None:
        problems.append(f"unknown successor engine “{successor_slug}”")
    if level == Level.OBSOLETED and not successor_slug:
        problems.append("OBSOLETED needs the engine that replaced it (superseded_by)")
    if successor_slug and level != Level.OBSOLETED and level in Level.values:
        problems.append(f"only OBSOLETED takes a successor engine, not {level}")
    values["superseded_by_id"] = successor.pk if successor else None
    page_slug = row.get("evidence_page", "").strip()
    page = pages.get(page_slug) if page_slug else None
    if page_slug and page is None:
        problems.append(f"unknown evidence page “{page_slug}”")
    values["evidence_page_id"] = page
    source_key = row.get("source", "").strip()
    source = sources.get(source_key) if source_key else None
    if source_key and source is None:
        problems.append(f"unknown source “{source_key}”")
    values["source_id"] = source
    date_text = row.get("last_verified", "").strip()
    values["last_verified"] = None
    if date_text:
        try:
            values["last_verified"] = datetime.date.fromisoformat(date_text)
        except ValueError:
            problems.append(f"bad date “{date_text}” (expected YYYY-MM-DD)")
    values["raw_value"] = clean_text(_unguard(row.get("raw_value", "")), multiline=False)
    values["notes"] = clean_text(_unguard(row.get("notes", "")))
    values["evidence_url"] = row.get("evidence_url", "").strip()
    if problems:
        return None, problems
    cell = Support(framework=framework, engine=engine, capability=capability, **values)
    try:
        cell.full_clean(
            exclude=["framework", "engine", "capability"],
            validate_unique=False,
            validate_constraints=True,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            prefix = "" if name == "__all__" else f"{name}: "
            problems.extend(prefix + m for m in messages)
        return None, problems
    return {"framework": framework, "engine": engine, "capability": capability, **values}, []


def _lookups(rows: list[tuple[int, dict[str, str]]]) -> dict:
    slugs: set[str] = set()
    page_slugs: set[str] = set()
    keys: set[str] = set()
    for _, row in rows:
        slugs.update(row.get(k, "").strip() for k in ("framework", "engine", "superseded_by"))
        page_slugs.add(row.get("evidence_page", "").strip())
        keys.add(row.get("source", "").strip())
    capability_slugs = {row.get("capability", "").strip() for _, row in rows} - {""}
    entries = {e.slug: e for e in Entry.objects.filter(slug__in=slugs - {""})}
    found = Capability.objects.select_related("engine").filter(
        Q(slug__in=capability_slugs) | Q(engine__in=entries.values())
    )
    return {
        "capabilities": {c.slug: c for c in found if c.slug in capability_slugs},
        "engine_capabilities": {c.engine_id: c for c in found if c.engine_id},
        "entries": entries,
        "pages": dict(Page.objects.filter(slug__in=page_slugs - {""}).values_list("slug", "pk")),
        "sources": dict(Source.objects.filter(key__in=keys - {""}).values_list("key", "pk")),
    }


def import_csv(
    source: IO[str] | str, *, dry_run: bool = False, actor=None, comment: str = ""
) -> ImportResult:
    """Validate every row; on any error or dry_run, write nothing. One transaction; each
    changed cell gets a revision (via "import", with `comment`)."""
    result = ImportResult(dry_run=dry_run)
    try:
        rows = _read(source)
    except (CSVFormatError, csv.Error, UnicodeDecodeError) as error:
        result.errors.append(RowError(1, str(error).removeprefix("Line 1: ")))
        return result
    lookups = _lookups(rows)
    seen: dict[tuple[str, str], int] = {}
    planned = []
    for line, row in rows:
        values, problems = _validate(line, row, lookups, seen)
        result.errors.extend(RowError(line, p) for p in problems)
        if values is not None:
            planned.append(values)
    if result.errors:
        return result
    change = {"actor": actor, "via": "import", "comment": comment}
    with transaction.atomic(), changes.collect():
        existing: dict[tuple, Support] = {}
        for c in Support.objects.select_for_update().filter(
            framework_id__in={v["framework"].pk for v in planned}
        ):
            existing[(c.framework_id, "c", c.capability_id)] = c
            if c.engine_id:
                existing[(c.framework_id, "e", c.engine_id)] = c
        for values in planned:
            framework, engine = values.pop("framework"), values.pop("engine")
            capability = values.pop("capability")
            key = (
                (framework.pk, "c", capability.pk)
                if capability is not None
                else (framework.pk, "e", engine.pk)
            )
            cell = existing.get(key)
            if cell is None:
                result.created += 1
                if not dry_run:
                    cell = Support(
                        framework=framework, engine=engine, capability=capability, **values
                    )
                    services.support_save(support=cell, validate=False, **change)
                continue
            changed = [name for name in COMPARED if getattr(cell, name) != values[name]]
            if not changed:
                result.unchanged += 1
                continue
            result.updated += 1
            if not dry_run:
                for name in changed:
                    setattr(cell, name, values[name])
                services.support_save(support=cell, validate=False, **change)
    return result
