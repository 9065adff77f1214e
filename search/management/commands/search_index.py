"""search_index --rebuild | --update | --check: build, repair and verify the index."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from core import outbox
from search.backends import IndexUnavailable, get_backend
from search.documents import all_documents, count_documents
from search.indexer import TOPIC, drain_until_empty, indexer_lock


class Command(BaseCommand):
    help = (
        "Maintain the search index. --rebuild builds a fresh index and swaps it in (search "
        "keeps answering); --update reconciles index and database by id and content stamp; "
        "--check reports missing, stale and extra entries and exits 1 when they differ."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--rebuild", action="store_true")
        group.add_argument("--update", action="store_true")
        group.add_argument("--check", action="store_true")
        parser.add_argument(
            "--dry-run", action="store_true", help="With --update: report, change nothing."
        )
        parser.add_argument("--lock-timeout", type=float, default=600.0)

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        backend = get_backend()
        if options["check"]:
            return self.check_index(backend)
        with indexer_lock(blocking=True, timeout=options["lock_timeout"]):
            if options["rebuild"]:
                self.rebuild_index(backend)
            else:
                self.update_index(backend, dry_run=options["dry_run"])

    # ------------------------------------------------------------ rebuild

    def rebuild_index(self, backend) -> None:
        total = count_documents()
        started = time.monotonic()
        # Rows written before this point are covered by the build; drop them.
        pending_before = outbox.pending_ids(TOPIC)
        count = backend.rebuild(all_documents(), total, progress=self._progress(total))
        outbox.forget(pending_before)
        elapsed = max(time.monotonic() - started, 1e-6)
        self._end_progress()
        applied = drain_until_empty(backend)
        if hasattr(backend, "mark_complete"):
            backend.mark_complete()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt the {backend.name} index: {count} documents in {elapsed:.2f}s "
                f"({count / elapsed:.0f} docs/s); {applied} later changes applied."
            )
        )

    # ------------------------------------------------------------ update

    def update_index(self, backend, *, dry_run: bool) -> None:
        if backend.status() is not None and not dry_run:
            problem = backend.status()
            if "incomplete" not in problem:
                self.stdout.write(f"{problem} Rebuilding it.")
                return self.rebuild_index(backend)
        started = time.monotonic()
        try:
            indexed = backend.stamps()
        except IndexUnavailable:
            indexed = {}
        seen: set[str] = set()
        changed = []
        added = updated = 0
        for doc in all_documents():
            seen.add(doc.key)
            old = indexed.get(doc.key)
            if old == doc.digest:
                continue
            if old is None:
                added += 1
            else:
                updated += 1
            changed.append(doc)
            if len(changed) >= 500 and not dry_run:
                backend.index(changed)
                changed = []
        extra = sorted(set(indexed) - seen)
        if not dry_run:
            if changed:
                backend.index(changed)
            if extra:
                backend.remove(extra)
            drain_until_empty(backend)
            if hasattr(backend, "mark_complete"):
                backend.mark_complete()
        verb = "Would update" if dry_run else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} the {backend.name} index: {added} added, {updated} refreshed, "
                f"{len(extra)} removed, {len(seen)} documents "
                f"({time.monotonic() - started:.2f}s)."
            )
        )

    # ------------------------------------------------------------ check

    def check_index(self, backend) -> None:
        expected = {doc.key: doc.digest for doc in all_documents()}
        report = backend.check(expected)
        pending = outbox.pending(TOPIC)
        if report.problem:
            self.stdout.write(self.style.ERROR(report.problem))
        for label, keys in (
            ("missing", report.missing),
            ("stale", report.stale),
            ("extra", report.extra),
        ):
            if keys:
                shown = ", ".join(keys[:20]) + (" …" if len(keys) > 20 else "")
                self.stdout.write(f"{len(keys)} {label}: {shown}")
        if pending:
            self.stdout.write(f"{pending} changes waiting in the outbox.")
        if not report.clean:
            raise CommandError(
                f"The {backend.name} index differs from the database: "
                f"{len(report.missing)} missing, {len(report.stale)} stale, "
                f"{len(report.extra)} extra. Run `manage.py search_index --update` "
                "(or --rebuild).",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"The {backend.name} index matches the database: {report.indexed} documents."
            )
        )

    # ------------------------------------------------------------ progress bar

    def _progress(self, total: int):
        if self.verbosity < 1:
            return None
        width = 30
        started = time.monotonic()

        def show(done: int) -> None:
            frac = done / total if total else 1.0
            bar = "#" * int(width * min(frac, 1.0))
            rate = done / max(time.monotonic() - started, 1e-6)
            self.stdout.write(f"\r[{bar:<{width}}] {done}/{total} ({rate:.0f} docs/s)", ending="")
            self.stdout.flush()

        return show

    def _end_progress(self) -> None:
        if self.verbosity >= 1:
            self.stdout.write("")
            sys.stdout.flush()
