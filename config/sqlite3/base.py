"""Django's SQLite backend, still serving reads when the database cannot be written to.

In WAL mode even a reader needs the ``-shm`` file next to the database. When the database's
directory is read-only (a full or remounted disk, a restored backup, wrong ownership) and
that file cannot be created, every query failed — every page was a 500. Here the
connection then reopens the file read-only and immutable: readers keep reading what was
committed, and every write fails with SQLite's "attempt to write a readonly database",
which core.errors answers with a 503 page that keeps the text being saved.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)


class DatabaseWrapper(base.DatabaseWrapper):
    read_only = False

    def get_new_connection(self, conn_params):
        conn = None
        try:
            conn = super().get_new_connection(conn_params)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the file now
            self.read_only = False
            return conn
        except sqlite3.OperationalError:
            if conn is not None:
                conn.close()
            path = self._unwritable_database(conn_params["database"])
            if path is None:
                raise
        logger.warning("%s cannot be written to: serving it read-only", path)
        params = {**conn_params, "database": f"file:{quote(str(path))}?mode=ro&immutable=1"}
        commands = self.init_commands
        # journal_mode=WAL would try to write; the rest of the start-up commands stay.
        self.init_commands = [c for c in commands if "journal_mode" not in c.lower()]
        try:
            conn = super().get_new_connection(params)
        finally:
            self.init_commands = commands
        self.read_only = True
        return conn

    @staticmethod
    def _unwritable_database(name: str) -> Path | None:
        """The database file, when it exists but its directory or itself cannot be written."""
        if not name or str(name).startswith("file:") or name == ":memory:":
            return None
        path = Path(name).resolve()
        if not path.is_file():
            return None
        if os.access(path.parent, os.W_OK) and os.access(path, os.W_OK):
            return None
        return path
