"""Read grid cells back from the CSV that /catalog/grid.csv (or matrix.csv) exports."""

from django.core.management.base import BaseCommand, CommandError

from catalog.matrix import FIELDS, GRID_FIELDS, import_csv


class Command(BaseCommand):
    help = (
        "Import grid cells from CSV: the /catalog/grid.csv format "
        f"({','.join(GRID_FIELDS)}) or the template matrix's /catalog/matrix.csv "
        f"({','.join(FIELDS)}). Every row is validated first; on any error nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file, UTF-8.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count, change nothing."
        )
        parser.add_argument(
            "--comment", default="", help="Why: kept in each changed cell's history."
        )

    def handle(self, *args, file: str, dry_run: bool, verbosity: int, comment: str, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as handle:
                result = import_csv(handle, dry_run=dry_run, comment=comment or f"import {file}")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{file}:{error.line}: {error.message}")
            raise CommandError(f"{len(result.errors)} problem(s) in {file}; nothing was changed.")
        summary = result.summary()
        if dry_run:
            self.stdout.write(f"Dry run, nothing changed: {summary}.")
        elif verbosity:
            self.stdout.write(self.style.SUCCESS(f"Imported {file}: {summary}."))
