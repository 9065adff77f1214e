"""python manage.py export_pages [FILE.jsonl] — write every page as JSON Lines."""

from django.core.management import BaseCommand

from wiki.importer import export_lines


class Command(BaseCommand):
    help = "Export all pages as JSON Lines, the format import_pages reads (stdout by default)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-")

    def handle(self, *args, **options):
        if options["file"] == "-":
            for line in export_lines():
                self.stdout.write(line)
            return
        count = 0
        with open(options["file"], "w", encoding="utf-8") as out:
            for line in export_lines():
                out.write(line + "\n")
                count += 1
        self.stderr.write(self.style.SUCCESS(f"Exported {count} pages to {options['file']}."))
