"""Settings for the test suite: the real settings, with a fixed key and fast hashing."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR  # noqa: F401

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SEARCH_INDEX_DIR = Path(tempfile.mkdtemp(prefix="wiki-test-index-"))  # noqa: F405
# The SQLite test database lives in VAR_DIR: a fresh clone has none yet.
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="wiki-test-static-"))  # noqa: F405
