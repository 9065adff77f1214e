"""WSGI entry point, used by gunicorn: ``gunicorn config.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# A web process does the outbox's follow-up work in a background thread, so the request
# that saved does not wait for it (core/outbox.py; OUTBOX_DRAIN overrides).
from core import outbox  # noqa: E402  (after Django is set up)

outbox.serve_in_background()
