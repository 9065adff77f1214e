"""Page names: slugs, link-matching keys and title validation."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.text import slugify

MAX_TITLE_LENGTH = 200
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_FORBIDDEN_IN_TITLE = re.compile(r"[\x00-\x1f\x7f<>\"/\\|#\[\]{}]")


def match_key(name: str) -> str:
    """Case- and punctuation-insensitive key: 'Web Frameworks' == 'web-frameworks'."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def slug_for(title: str) -> str:
    """URL slug for a title; CamelCase words are split ('WebFrameworks' → 'web-frameworks')."""
    # Leading underscores are stripped: /wiki/_recent/ and friends are reserved.
    return slugify(_CAMEL_BOUNDARY.sub(" ", title), allow_unicode=True).lstrip("_-")[:200]


def validate_title(title: str) -> str:
    """Return the cleaned title or raise ValidationError with a plain message."""
    cleaned = " ".join(title.split())
    if not cleaned:
        raise ValidationError("A page needs a title.", code="required")
    if len(cleaned) > MAX_TITLE_LENGTH:
        raise ValidationError(
            f"Titles are at most {MAX_TITLE_LENGTH} characters (this one has {len(cleaned)}).",
            code="max_length",
        )
    if _FORBIDDEN_IN_TITLE.search(title) or ".." in cleaned or "%" in cleaned:
        raise ValidationError(
            'Titles cannot contain control characters, "..", "%" or any of < > " / \\ | # [ ] { }.',
            code="invalid",
        )
    if not match_key(cleaned) or not slug_for(cleaned):
        raise ValidationError("A title needs at least one letter or digit.", code="invalid")
    return cleaned


def name_order(field: str, *, descending: bool = False):
    """An ORDER BY expression that sorts names as a person reads them: aiohttp, Bottle,
    djng, Zope. PostgreSQL compares with ICU's root collation (case and accents are
    secondary differences); SQLite, which has no accent-aware collation built in, compares
    lower-cased names (ASCII case folding)."""
    from django.db import connection
    from django.db.models import F
    from django.db.models.functions import Collate, Lower

    expr = Collate(F(field), "und-x-icu") if connection.vendor == "postgresql" else Lower(field)
    return expr.desc() if descending else expr.asc()
