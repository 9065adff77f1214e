"""The change step: a write says once what it changed, and what depends on it follows.

Every service that writes ends its transaction with one :func:`record` call naming what
it changed. Inside that transaction, record():

1. bumps the ``version`` of every object whose page now shows something new — so the
   stored snapshot of a wiki page, and any cached page that shows that object, no longer
   matches and is rendered again on its next view (core/pagecache.py, wiki/snapshots.py);
2. bumps the stamps of the collections whose lists changed ("wiki", "catalog");
3. hands the change to the followers the apps registered — each writes its follow-up
   work into the outbox (core/outbox.py) in the same transaction: the search index's
   documents, re-rendering the pages and descriptions that name a link target that
   appeared, moved or went away.

After the commit the outbox is drained (core/outbox.py). Nothing is global: saving one
framework bumps that framework's version, not a counter every cached page depends on.

Several writes made as one (an admin form with its inlines) can share one record:
wrap them in :func:`collect`.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models import F

from core.models import Stamp

Ref = tuple[str, int]  # ("wiki.page", 12): a model label, lower case, and a primary key
Target = tuple[str, str]  # ("page", "webframeworks"): a link kind and key


def ref(obj: models.Model | Ref) -> Ref:
    if isinstance(obj, models.Model):
        return (obj._meta.label_lower, obj.pk)
    label, pk = obj
    return (label.lower(), int(pk))


@dataclass
class Changes:
    # Content changed: versions bump, the search index refreshes them.
    changed: set[Ref] = field(default_factory=set)
    # Only what their pages show changed (a backlink, a tag's name): versions bump.
    shown: set[Ref] = field(default_factory=set)
    # Deleted: the search index drops them.
    removed: set[Ref] = field(default_factory=set)
    # Link targets that appeared, moved or went away: texts naming them render again.
    targets: set[Target] = field(default_factory=set)
    # Link targets that gained or lost incoming links ("what links here" changed).
    linked: set[Target] = field(default_factory=set)
    # Collections whose lists changed.
    collections: set[str] = field(default_factory=set)
    # Rendered in this change with today's targets: not to be re-rendered for them.
    fresh: set[Ref] = field(default_factory=set)

    def merge(self, other: Changes) -> None:
        self.changed |= other.changed
        self.shown |= other.shown
        self.removed |= other.removed
        self.targets |= other.targets
        self.linked |= other.linked
        self.collections |= other.collections
        self.fresh |= other.fresh

    def ids(self, label: str, *, of: str = "changed") -> set[int]:
        return {pk for lbl, pk in getattr(self, of) if lbl == label}

    def __bool__(self) -> bool:
        return any(
            (self.changed, self.shown, self.removed, self.targets, self.linked, self.collections)
        )


Follower = Callable[[Changes], None]
_followers: list[Follower] = []


def follow(follower: Follower) -> None:
    """Registered by apps in AppConfig.ready(); called in the changing transaction."""
    if follower not in _followers:
        _followers.append(follower)


_local = threading.local()


def record(
    *,
    changed: Iterable[models.Model | Ref] = (),
    shown: Iterable[models.Model | Ref] = (),
    removed: Iterable[models.Model | Ref] = (),
    targets: Iterable[Target] = (),
    linked: Iterable[Target] = (),
    collections: Iterable[str] = (),
    fresh: Iterable[models.Model | Ref] = (),
) -> Changes:
    """Say what this transaction changed (see the module's docstring)."""
    change = Changes(
        changed={ref(o) for o in changed},
        shown={ref(o) for o in shown},
        removed={ref(o) for o in removed},
        targets={(k, key) for k, key in targets if key},
        linked={(k, key) for k, key in linked if key},
        collections=set(collections),
        fresh={ref(o) for o in fresh},
    )
    change.changed -= change.removed
    change.shown -= change.removed | change.changed
    pending = getattr(_local, "pending", None)
    if pending is not None:
        pending.merge(change)
    elif change:
        apply(change)
    return change


@contextmanager
def collect() -> Iterator[Changes]:
    """Merge every record() made inside into one, applied when the block ends."""
    outer = getattr(_local, "pending", None)
    if outer is not None:
        yield outer
        return
    _local.pending = merged = Changes()
    try:
        yield merged
    except BaseException:
        _local.pending = None
        raise
    _local.pending = None
    merged.changed -= merged.removed
    merged.shown -= merged.removed | merged.changed
    if merged:
        apply(merged)


def apply(change: Changes) -> None:
    with transaction.atomic(savepoint=False):
        bump_versions(change.changed | change.shown)
        bump_stamps(change.collections)
        for follower in _followers:
            follower(change)


def bump_versions(refs: Iterable[Ref]) -> None:
    by_label: dict[str, list[int]] = defaultdict(list)
    for label, pk in refs:
        by_label[label].append(pk)
    for label, ids in by_label.items():
        model = apps.get_model(label)
        if not any(f.name == "version" for f in model._meta.concrete_fields):
            continue
        ids.sort()
        for start in range(0, len(ids), 500):
            model._base_manager.filter(pk__in=ids[start : start + 500]).update(
                version=F("version") + 1
            )


def keep_version_rising(instance: models.Model) -> None:
    """For a row about to be written raw (loaddata): its fixture carries no version, and
    writing the default would take the version back to one a stored page was made from."""
    if instance.pk is None:
        return
    current = (
        type(instance)
        ._base_manager.filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current is not None:
        instance.version = max(instance.version, current + 1)


def bump_stamps(names: Iterable[str]) -> None:
    for name in sorted(set(names)):
        if not Stamp.objects.filter(name=name).update(number=F("number") + 1):
            Stamp.objects.bulk_create([Stamp(name=name, number=1)], ignore_conflicts=True)


def stamps(names: Iterable[str]) -> dict[str, int]:
    found = dict(Stamp.objects.filter(name__in=list(names)).values_list("name", "number"))
    return {name: found.get(name, 0) for name in names}
