"""manage.py purge_pages: empty the recycle bin, for good."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wiki.models import Page
from wiki.services import page_purge


class Command(BaseCommand):
    help = (
        "Delete pages in the recycle bin for good, with their history and other names "
        "(all of them, or those deleted more than --older-than days ago)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="DAYS",
            help="Only pages deleted more than DAYS days ago.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be purged; change nothing."
        )

    def handle(self, *args, older_than: int | None, dry_run: bool, **options) -> None:
        pages = Page.everything.in_bin().order_by("deleted", "pk")
        if older_than is not None:
            if older_than < 0:
                raise CommandError("--older-than takes a number of days, 0 or more.")
            pages = pages.filter(deleted__lt=timezone.now() - timedelta(days=older_than))
        found = list(pages.only("pk", "title", "slug", "deleted"))
        verb = "Would purge" if dry_run else "Purged"
        for page in found:
            if not dry_run:
                page_purge(page=page)
            if options["verbosity"] >= 2:
                self.stdout.write(f"{verb} “{page.title}” (deleted {page.deleted:%Y-%m-%d}).")
        noun = "page" if len(found) == 1 else "pages"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(found)} {noun} from the recycle bin."))
