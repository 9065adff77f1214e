"""Live catalog facts in wiki prose: ``{{framework:flask|facts}}`` and its views.

Registered with the wiki's link registry (catalog/links.py) as the "facts" provider of
the framework and component prefixes: rendering asks it, before converting a body, for
the facts of the entries the body embeds, and gets for each one HTML per view, built
from escaped values (the wiki then sanitizes the page as always). A page embedding an
entry's facts stores a PageLink of kind ``framework-facts`` / ``component-facts``; when
the entry's facts change, catalog/services.py records those targets, so exactly the
pages embedding them render again (catalog/links.py :func:`facts_targets`).

Views: facts (a one-line summary), supports (template engines it supports, or for an
engine the frameworks supporting it), status, kind, first-release, latest, python,
licence, name.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import format_html, format_html_join

from catalog.models import Entry, EntryType, Level

VIEWS = (
    "facts",
    "supports",
    "status",
    "kind",
    "first-release",
    "latest",
    "python",
    "licence",
    "name",
)
YES = (Level.DEFAULT, Level.YES)


def _python(entry: Entry) -> str:
    versions = [v.name for v in entry.python_versions.all()]
    if not versions:
        return entry.python_note or "not recorded"
    if len(versions) > 2:
        return f"{versions[0]}–{versions[-1]}"
    return ", ".join(versions)


def _latest(entry: Entry) -> str:
    if not entry.latest_version:
        return "not recorded"
    if entry.latest_release:
        return f"{entry.latest_version} ({entry.latest_release:%Y-%m-%d})"
    return entry.latest_version


def _kind(entry: Entry) -> str:
    if entry.type == EntryType.FRAMEWORK:
        return f"{entry.get_kind_display().lower()} framework"
    return entry.get_category_display().lower()


def _supports(entry: Entry) -> str:
    if entry.type == EntryType.FRAMEWORK:
        cells = [c for c in entry.support_row.all() if c.level in YES and c.engine_id]
        others = [(c.engine, c.level) for c in cells]
    else:
        cells = [c for c in entry.support_column.all() if c.level in YES]
        others = [(c.framework, c.level) for c in cells]
    if not others:
        return format_html('<span class="facts">{}</span>', "none recorded")
    others.sort(key=lambda pair: (pair[1] != Level.DEFAULT, pair[0].name.casefold()))
    items = format_html_join(
        ", ",
        '<a href="{}">{}</a>{}',
        (
            (other.get_absolute_url(), other.name, " (default)" if level == Level.DEFAULT else "")
            for other, level in others
        ),
    )
    return format_html('<span class="facts">{}</span>', items)


def _summary(entry: Entry) -> str:
    parts = [_kind(entry), entry.get_status_display().lower()]
    if entry.first_release:
        parts.append(f"first released {entry.first_release}")
    if entry.latest_version:
        parts.append(f"latest {_latest(entry)}")
    if entry.python_versions.all():
        parts.append(f"Python {_python(entry)}")
    if entry.licence:
        parts.append(f"licence {entry.licence}")
    return format_html(
        '<span class="facts"><a href="{}">{}</a>: {}</span>',
        entry.get_absolute_url(),
        entry.name,
        " · ".join(parts),
    )


def views_of(entry: Entry) -> dict[str, str]:
    def plain(text) -> str:
        return format_html('<span class="facts">{}</span>', text)

    return {
        "facts": _summary(entry),
        "supports": _supports(entry),
        "status": plain(entry.get_status_display().lower()),
        "kind": plain(_kind(entry)),
        "first-release": plain(entry.first_release or "not recorded"),
        "latest": plain(_latest(entry)),
        "python": plain(_python(entry)),
        "licence": plain(entry.licence or "not recorded"),
        "name": format_html('<a href="{}">{}</a>', entry.get_absolute_url(), entry.name),
    }


def make_provider(prefix: str, find_entries):
    """The facts provider of one prefix: key → {view: HTML}; `find_entries` is the link
    resolver's look-up (catalog/links.py), so facts and links name the same entries."""

    def provide(keys: Iterable[str]) -> dict[str, dict[str, str]]:
        queryset = Entry.objects.prefetch_related(
            "python_versions",
            "support_row__engine",
            "support_column__framework",
        )
        return {key: views_of(e) for key, e in find_entries(prefix, keys, queryset).items()}

    return provide
