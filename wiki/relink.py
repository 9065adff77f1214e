"""Pages whose link targets changed: marked at once, re-rendered after the commit.

When a title appears (a page is created), moves (renamed) or goes away (deleted) — or an
entry another app registered a link prefix for does — every page naming it must render
again, so its link turns blue or red. That can be thousands of pages, so the change
itself only marks them, in its own transaction and in a few statements whatever their
number: ``needs_render`` set and ``version`` bumped (their stored snapshots stop being
served), and a ``wiki.render`` task each in the outbox. The outbox renders them in
bounded batches after the commit — each page before its own short transaction
(services.rerender_page) — and a reader who opens one first renders it on the spot.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F

from core.changes import Changes
from core.outbox import enqueue
from wiki.models import Page, PageLink
from wiki.services import RENDER_TOPIC, rerender_pages

BATCH = 50  # pages a worker renders between two looks at the outbox


def pages_naming(targets: set[tuple[str, str]]) -> set[int]:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, key in targets:
        by_kind[kind].append(key)
    ids: set[int] = set()
    for kind, keys in by_kind.items():
        keys.sort()
        for start in range(0, len(keys), 500):
            ids.update(
                PageLink.objects.filter(kind=kind, target_key__in=keys[start : start + 500])
                .values_list("source_id", flat=True)
                .distinct()
            )
    return ids


def mark(page_ids: set[int]) -> None:
    """Mark these pages for re-rendering (in the current transaction)."""
    ids = sorted(page_ids)
    for start in range(0, len(ids), 500):
        Page.objects.filter(pk__in=ids[start : start + 500]).update(
            needs_render=True, version=F("version") + 1
        )
    enqueue(RENDER_TOPIC, [str(pk) for pk in ids])


def follow_changes(change: Changes) -> None:
    """The change step's wiki follower: the pages naming the change's targets."""
    if not change.targets:
        return
    label = Page._meta.label_lower
    skip = change.ids(label, of="fresh") | change.ids(label, of="removed")
    ids = pages_naming(change.targets) - skip
    if ids:
        mark(ids)


def handle(keys: list[str]) -> None:
    """The outbox handler of wiki.render tasks."""
    rerender_pages(int(k) for k in keys)
