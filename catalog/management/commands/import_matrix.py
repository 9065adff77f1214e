"""Read the support matrix back from the CSV that /catalog/matrix.csv exports."""

from django.core.management.base import BaseCommand, CommandError

from catalog.matrix import FIELDS, import_csv


class Command(BaseCommand):
    help = (
        "Import support-matrix cells from CSV (the /catalog/matrix.csv format: "
        f"{','.join(FIELDS)}). Every row is validated first; on any error nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV file, UTF-8.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count, change nothing."
        )

    def handle(self, *args, file: str, dry_run: bool, verbosity: int, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as handle:
                result = import_csv(handle, dry_run=dry_run)
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
