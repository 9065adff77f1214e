"""python manage.py import_pages FILE.jsonl — create or update pages in bulk."""

import sys
from pathlib import Path

from django.core.management import BaseCommand, CommandError

from wiki.importer import import_lines
from wiki.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Import pages from JSON Lines (one object a line: title, body, optional slug, summary, "
        "tags). Creates or updates through the save service; bad lines are reported with "
        "their line numbers and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSONL file, or - for standard input")
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes that render the new pages (default: one a CPU core)",
        )

    def handle(self, *args, **options):
        path = options["file"]
        if path == "-":
            lines = sys.stdin.read().splitlines()
        else:
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"No such file: {path}")
            try:
                lines = file.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError as exc:
                raise CommandError(f"{path} is not UTF-8 text: {exc}") from exc
        bar = ProgressBar(sum(1 for line in lines if line.strip()), label="Importing")
        report = import_lines(
            lines,
            batch_size=options["batch_size"],
            progress=bar.advance,
            workers=options["workers"],
        )
        elapsed = bar.finish()
        for number, message in report.errors:
            self.stderr.write(f"line {number}: {message}")
        rate = report.processed / elapsed if elapsed else 0
        summary = (
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{len(report.errors)} bad line(s) skipped — {elapsed:.1f}s, {rate:,.0f} pages/s"
        )
        style = self.style.WARNING if report.errors else self.style.SUCCESS
        self.stdout.write(style(summary))
