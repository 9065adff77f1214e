"""What readers can report problems with: apps register their kinds of subject.

The corrections app imports no other app (as search does not): the wiki registers its
pages, the catalog its entries and matrix cells, each in AppConfig.ready(), saying how
to find one by id, how to name it to readers and editors, and where editors change it.
A report names its subject as ``kind:id`` (``?on=page:12``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class Subject:
    kind: str
    label: str  # "wiki page", "matrix cell": for editors' filters
    queryset: Callable[[], models.QuerySet]  # what readers can see (live objects)
    describe: Callable[[models.Model], str]  # "the page “Flask”"
    public_url: Callable[[models.Model], str]
    edit_url: Callable[[models.Model], str]  # the admin form where it is changed


_subjects: dict[str, Subject] = {}


def register(subject: Subject) -> None:
    _subjects[subject.kind] = subject


def get(kind: str) -> Subject | None:
    return _subjects.get(kind)


def kinds() -> dict[str, Subject]:
    return dict(_subjects)


def find(on: str) -> tuple[Subject, models.Model] | None:
    """``page:12`` → (the page subject, the page), if readers can see it."""
    kind, _, ident = (on or "").partition(":")
    subject = _subjects.get(kind)
    if subject is None or not ident.isdigit() or len(ident) > 18:
        return None
    obj = subject.queryset().filter(pk=int(ident)).first()
    return (subject, obj) if obj is not None else None
