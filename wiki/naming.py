"""Page names: slugs, link-matching keys and title validation."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate, Lower
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


# Right-to-left and left-to-right overrides, embeddings, isolates and marks: they reorder
# what a reader sees ("\u202egnp.exe"). Other invisible format characters (zero-width
# space, word joiner, byte-order mark, soft hyphen …) hide inside a title that then looks
# like another. The zero-width joiner and non-joiner stay: some scripts and emoji need them.
_INVISIBLE_ALLOWED = {"\u200c", "\u200d"}

# Scripts one word may mix (Unicode TR39's "highly restrictive" level): Latin with the scripts
# written together in Japanese, Chinese and Korean. Any other mix in one word — Latin with
# Cyrillic or Greek above all — is how "Flask" is spoofed with a Cyrillic "а".
_WORD_SCRIPT_SETS = [
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
]
_WORD = re.compile(r"[^\W_]+|_", re.UNICODE)


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name ("CYRILLIC SMALL LETTER A" → CYRILLIC);
    None for what belongs to no one script (digits, marks, modifier letters)."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    words = unicodedata.name(ch, "").split()
    if not words:
        return "UNKNOWN"
    if words[0] in {"FULLWIDTH", "HALFWIDTH"} and len(words) > 1:
        words = words[1:]
    if words[0] == "MODIFIER":
        return None
    if words[0] == "CJK":
        return "HAN"
    if words[0] == "KATAKANA-HIRAGANA":  # the prolonged sound mark "ー", used by both
        return "KATAKANA"
    return words[0]


def mixed_script_word(title: str) -> str | None:
    """The first word of title that mixes scripts no language writes together, or None."""
    for m in _WORD.finditer(title):
        scripts = {s for s in map(_script, m.group()) if s}
        if len(scripts) > 1 and not any(scripts <= allowed for allowed in _WORD_SCRIPT_SETS):
            return m.group()
    return None


def _invisible(title: str) -> str | None:
    for ch in title:
        if unicodedata.category(ch) == "Cf" and ch not in _INVISIBLE_ALLOWED:
            return ch
    return None


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
    if (ch := _invisible(title)) is not None:
        raise ValidationError(
            f"Titles cannot contain invisible or direction-changing characters "
            f"(this one has U+{ord(ch):04X}, {unicodedata.name(ch, 'a format character')}).",
            code="invalid",
        )
    if (word := mixed_script_word(cleaned)) is not None:
        scripts = sorted({s.title() for s in map(_script, word) if s})
        raise ValidationError(
            f"“{word}” mixes letters of different alphabets ({', '.join(scripts)}), which is how "
            "one title is made to look like another: write each word in one alphabet.",
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
    expr = Collate(F(field), "und-x-icu") if connection.vendor == "postgresql" else Lower(field)
    return expr.desc() if descending else expr.asc()
