"""First-run set-up for `make run`: fixtures into an empty database, follow-up work, admin."""

import json
import os
import secrets
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, call_command

from core import outbox


class Command(BaseCommand):
    help = (
        "Load fixtures/*.json only if the database holds none of their content yet, do the "
        "follow-up work (rendering pages, indexing), and create the admin account."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("ADMIN_USERNAME", "admin"))

    def handle(self, *args, **options):
        fixtures = sorted((Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
        if self._database_is_empty(fixtures):
            if fixtures:
                call_command("loaddata", *map(str, fixtures), verbosity=options["verbosity"])
            self.stdout.write(self.style.SUCCESS(f"Loaded {len(fixtures)} fixture files."))
        else:
            self.stdout.write("Database already has content: fixtures not loaded.")
        done = outbox.drain()
        if done:
            self.stdout.write(f"Did {done} pieces of follow-up work (rendering, indexing).")
        # Build the search index if there is none, reconcile it otherwise.
        call_command("search_index", "--update", verbosity=options["verbosity"])
        self._ensure_admin(options["username"])

    def _database_is_empty(self, fixtures: list[Path]) -> bool:
        """None of the models the fixtures hold has a row yet (bookkeeping such as page
        snapshots or the outbox is not in the fixtures, so it does not count)."""
        labels = set()
        for path in fixtures:
            for item in json.loads(path.read_text(encoding="utf-8")):
                labels.add(item["model"])
        return not any(apps.get_model(label)._base_manager.exists() for label in labels)

    def _ensure_admin(self, username: str) -> None:
        user_model = get_user_model()
        password_file = Path(settings.VAR_DIR) / "admin-password"
        if user_model.objects.filter(username=username).exists():
            where = f" (password in {password_file})" if password_file.exists() else ""
            self.stdout.write(f"Admin account: {username}{where}")
            return
        password = os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username, f"{username}@localhost", password)
        if not os.environ.get("ADMIN_PASSWORD"):
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin account created: username {username!r}, password {password!r} "
                "— log in at http://127.0.0.1:8000/admin/"
            )
        )
