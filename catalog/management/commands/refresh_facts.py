"""Compare the catalog with the package index and propose what differs (catalog/refresh.py)."""

from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog import refresh
from catalog.models import Entry


class Command(BaseCommand):
    help = (
        "Read each entry's package metadata (the index's JSON API, or recorded files with "
        "--from) and propose every difference — latest version and release date, Python "
        "versions, licence, homepage, repository — for an editor to accept or reject on the "
        "upkeep page or in the admin. Entries are never changed here."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--index-url",
            default="",
            help="The package index's JSON API base, e.g. https://index.example/pypi "
            "(read as <URL>/<package>/json). Default: the PACKAGE_INDEX_URL setting.",
        )
        parser.add_argument(
            "--from",
            dest="directory",
            default="",
            metavar="DIR",
            help="Read DIR/<package>.json files instead of the index (a recorded replay).",
        )
        parser.add_argument(
            "--only", nargs="+", default=[], metavar="SLUG", help="Only these entries."
        )
        parser.add_argument(
            "--guess-names",
            action="store_true",
            help="For an entry without a package name, try its slug.",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            help="Seconds to wait for each answer (default: PACKAGE_INDEX_TIMEOUT).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be proposed; write nothing."
        )

    def handle(
        self,
        *args,
        index_url: str,
        directory: str,
        only: list[str],
        guess_names: bool,
        timeout: float | None,
        dry_run: bool,
        verbosity: int,
        **options,
    ):
        read = self._reader(index_url, directory, timeout)
        entries = list(Entry.objects.order_by("name"))
        if only:
            wanted = set(only)
            entries = [e for e in entries if e.slug in wanted]
            unknown = wanted - {e.slug for e in entries}
            if unknown:
                raise CommandError(f"No entry called {', '.join(sorted(unknown))}.")
        report = refresh.refresh(entries, read, dry_run=dry_run, guess_names=guess_names)
        self._print(report, verbosity=verbosity, dry_run=dry_run, only=bool(only))
        if report.read == 0:
            if report.problems:
                raise CommandError(
                    f"No metadata could be read for any of {len(report.problems)} entries."
                )
            raise CommandError(
                "Nothing to read: no entry has a package name"
                + ("" if guess_names else " (--guess-names tries their slugs)")
                + "."
            )

    def _reader(self, index_url: str, directory: str, timeout: float | None):
        if directory and index_url:
            raise CommandError("Give --from or --index-url, not both.")
        if directory:
            if not Path(directory).is_dir():
                raise CommandError(f"--from {directory}: no such directory.")
            return partial(refresh.read_recorded, Path(directory))
        index_url = index_url or getattr(settings, "PACKAGE_INDEX_URL", "")
        if not index_url:
            raise CommandError(
                "No package index to read: give --index-url URL or --from DIR, "
                "or set PACKAGE_INDEX_URL."
            )
        try:
            index_url = refresh.check_index_url(index_url)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if timeout is None:
            timeout = getattr(settings, "PACKAGE_INDEX_TIMEOUT", 10.0)
        if timeout <= 0:
            raise CommandError("--timeout must be more than 0 seconds.")
        return partial(refresh.read_index, index_url, timeout=timeout)

    def _print(self, report: refresh.Report, *, verbosity: int, dry_run: bool, only: bool):
        for entry, problem in report.problems:
            self.stderr.write(f"{entry.slug}: no metadata ({problem})")
        if verbosity >= 1:
            for entry, note in report.notes:
                self.stdout.write(f"{entry.slug}: {note}")
            if verbosity >= 2 or only:
                for entry in report.skipped:
                    self.stdout.write(f"{entry.slug}: skipped, no package name")
            if report.rows:
                self._table(report.rows)
        counts = ", ".join(
            f"{report.count(action)} {action}"
            for action in (
                refresh.Action.NEW,
                refresh.Action.REPLACED,
                refresh.Action.SEEN,
                refresh.Action.REJECTED,
                refresh.Action.WITHDRAWN,
            )
        )
        summary = (
            f"{report.read} read, {len(report.problems)} not read, "
            f"{len(report.skipped)} without a package name; proposals: {counts}."
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written: {summary}")
        elif verbosity >= 1:
            style = self.style.SUCCESS if report.read else self.style.WARNING
            self.stdout.write(style(summary))

    def _table(self, rows: list[refresh.Row]) -> None:
        lines = [
            (
                row.entry.slug,
                refresh.FIELD_LABELS[row.field],
                f"{refresh.show(row.current)} → {refresh.show(row.proposed)}",
                row.action,
            )
            for row in rows
        ]
        header = ("entry", "field", "current → proposed", "")
        widths = [max(len(line[i]) for line in [header, *lines]) for i in range(3)]
        for line in [header, *lines]:
            cells = [text.ljust(width) for text, width in zip(line[:3], widths, strict=True)]
            self.stdout.write("  ".join([*cells, line[3]]).rstrip())
