"""The layout stamp: a hash of everything besides a page's own data that shapes its HTML.

The templates, the static files' (hashed) names, the site name, locale and time zone, and
the source of the modules that build pages (registered by the apps with :func:`watch`).
Stored page snapshots carry the stamp they were rendered under; a deploy that changes
any of these changes the stamp, and older snapshots are no longer served. Computed once
a process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from pathlib import Path

import django
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.signals import setting_changed

logger = logging.getLogger(__name__)

# Bump when what pages put into a response changes in a way the stamp cannot see.
FORMAT = 2

_modules: set[str] = set()
_stamp: str | None = None


def watch(*modules: str) -> None:
    """Count these modules' source (by dotted name, not imported here) in the stamp."""
    global _stamp
    _modules.update(modules)
    _stamp = None


def stamp() -> str:
    global _stamp
    if _stamp is None:
        _stamp = _compute()
    return _stamp


def reset(**kwargs) -> None:
    global _stamp
    _stamp = None


setting_changed.connect(reset, dispatch_uid="core_layout_stamp")


def _compute() -> str:
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else str(part).encode()
            digest.update(len(data).to_bytes(8, "big") + data)

    add(
        FORMAT,
        django.get_version(),
        settings.WIKI_SITE_NAME,
        settings.SITE_URL,  # canonical links are absolute
        settings.STATIC_URL,
        settings.LANGUAGE_CODE,
        settings.TIME_ZONE,
        settings.USE_TZ,
    )
    for name in sorted(_modules):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            add(name, Path(spec.origin).read_bytes())
    for engine in settings.TEMPLATES:
        for directory in engine.get("DIRS", []):
            root = Path(directory)
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                add(path.relative_to(root).as_posix(), path.read_bytes())
    add(_static_names())
    return digest.hexdigest()[:32]


def _static_names() -> str:
    """The manifest of hashed static file names, when the storage has one."""
    try:
        hashed = getattr(staticfiles_storage, "hashed_files", None)
    except Exception:  # a missing or broken manifest: the names are whatever static() says
        logger.warning("static manifest unreadable for the layout stamp", exc_info=True)
        hashed = None
    return repr(sorted(hashed.items())) if hashed else type(staticfiles_storage._wrapped).__name__
