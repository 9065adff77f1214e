"""python manage.py warm_pages — store every page's snapshot before readers ask for it."""

import time

from django.core.management import BaseCommand

from wiki.snapshots import warm


class Command(BaseCommand):
    help = (
        "Render and store the anonymous view of every page that has none in today's layout "
        "(after a bulk import, or a deploy that changed templates or static files), so that "
        "readers never pay a page's first view."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = warm()
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"{count} page(s) stored in {elapsed:.1f}s"))
