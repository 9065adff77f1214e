"""Files editors upload for pages: images (PNG, JPEG, GIF, WebP) and PDFs.

An upload is judged by its content, never its name: the first bytes say whether it is a
PDF, and Pillow whether it is one of the image formats accepted — SVG, HTML and anything
else is refused (SVG can carry script). It must fit WIKI_ATTACHMENT_MAX_BYTES, an image
at most WIKI_ATTACHMENT_MAX_PIXELS (a decompression bomb — a small file that unpacks to
gigabytes — is refused from its header, before it is decoded), and its name's extension
must say what it is. The name pages use is a bare file name; where the file is stored
never comes from the uploader (models.attachment_path). Images wider than
WIKI_ATTACHMENT_DISPLAY_WIDTH get a display copy that size, re-encoded, without metadata.

Files go through Django's storage API (STORAGES["default"]): local files under
VAR_DIR/media by default, an S3-compatible store by setting. They are served by
:func:`wiki.views.attachment_file` with a strict content type, ``nosniff``, a sandboxing
CSP and ``Content-Disposition: attachment`` for anything that is not an image.

Pages name an attachment as ``![alt](attachment:name.png)`` or ``[text](attachment:x.pdf)``;
rendering resolves the names (:func:`resolve`) like link targets, and an upload or a
deletion re-renders the pages naming it.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from core import changes
from wiki.markup import AttachmentTarget
from wiki.models import Attachment

KIND = "attachment"  # the PageLink kind of attachment references
NAME_RE = re.compile(r"^[\w][\w.-]{0,99}$")
FORMATS = {
    # Pillow format → (content type, extensions the name may have, display copy format)
    "PNG": ("image/png", {"png"}, "PNG"),
    "JPEG": ("image/jpeg", {"jpg", "jpeg"}, "JPEG"),
    "GIF": ("image/gif", {"gif"}, "PNG"),
    "WEBP": ("image/webp", {"webp"}, "WEBP"),
}
PDF = ("application/pdf", {"pdf"})
_SCRIPTABLE = re.compile(rb"^\s*(?:<\?xml|<!doctype|<svg|<html|<script|<!--|<\w+)", re.I)


def key_for(name: str) -> str:
    return name.strip().casefold()


def validate_name(name: str) -> str:
    name = (name or "").strip()
    if any(ch in name for ch in "/\\\x00") or ".." in name:
        raise ValidationError(
            f"“{name[:80]}” is a path: give a plain file name, such as diagram.png.",
            code="path",
        )
    if not NAME_RE.match(name) or "." not in name.strip("."):
        raise ValidationError(
            f"“{name[:80]}” is not a usable file name: letters, digits, “.”, “-” and “_”, "
            "at most 100 characters, with an extension such as .png.",
            code="invalid_name",
        )
    return name


@dataclass
class Checked:
    content_type: str
    width: int | None = None
    height: int | None = None
    display: bytes | None = None  # the display copy, when the image is wider than that
    display_size: tuple[int, int] | None = None
    display_ext: str = ""


def size_text(n: int) -> str:
    """1.5 MB, 12 KB."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


def check(data: bytes, name: str) -> Checked:
    """What the bytes are, or a ValidationError saying why they are refused."""
    limit = settings.WIKI_ATTACHMENT_MAX_BYTES
    if len(data) > limit:
        raise ValidationError(
            f"“{name}” is {size_text(len(data))}; the limit is {size_text(limit)}.",
            code="too_large",
        )
    if not data:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    ext = name.rsplit(".", 1)[-1].casefold()
    if data.startswith(b"%PDF-"):
        if ext not in PDF[1]:
            raise ValidationError(f"“{name}” is a PDF: name it ….pdf.", code="wrong_extension")
        return Checked(content_type=PDF[0])
    return _check_image(data, name, ext)


def _check_image(data: bytes, name: str, ext: str) -> Checked:
    refused = ValidationError(
        f"“{name}” is not a PNG, JPEG, GIF or WebP image, nor a PDF: whatever its name "
        "says, its content is something else.",
        code="not_an_image",
    )
    if _SCRIPTABLE.match(data[:512]):
        raise ValidationError(
            f"“{name}” is SVG, HTML or other markup, which can run script in a browser: "
            "it is refused. Upload a PNG of it instead.",
            code="markup",
        )
    max_pixels = settings.WIKI_ATTACHMENT_MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:  # reads the header only
                fmt = probe.format
                width, height = probe.size
                if fmt not in FORMATS:
                    raise refused
                if width * height > max_pixels:
                    raise _bomb(name, max_pixels, f"{width} × {height} pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # the whole file decodes: not truncated, not corrupt
                display = _display_copy(image, fmt)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            # Pillow's own guard (far above ours) fired while reading the header.
            raise _bomb(name, max_pixels, "more pixels than that") from exc
        except (
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
            EOFError,
        ) as exc:
            raise refused from exc
    content_type, extensions, _ = FORMATS[fmt]
    if ext not in extensions:
        raise ValidationError(
            f"“{name}” is a {fmt} image: name it ….{sorted(extensions)[0]}.",
            code="wrong_extension",
        )
    checked = Checked(content_type=content_type, width=width, height=height)
    if display is not None:
        checked.display, checked.display_size, checked.display_ext = display
    return checked


def _bomb(name: str, max_pixels: int, claims: str) -> ValidationError:
    return ValidationError(
        f"“{name}” is refused: images may have at most {max_pixels:,} pixels, and it claims "
        f"{claims} — a small file that would take gigabytes to open.",
        code="too_many_pixels",
    )


def _display_copy(image: Image.Image, fmt: str) -> tuple[bytes, tuple[int, int], str] | None:
    """The image at most WIKI_ATTACHMENT_DISPLAY_WIDTH wide, re-encoded without metadata;
    None when it is no wider than that already."""
    width = settings.WIKI_ATTACHMENT_DISPLAY_WIDTH
    if image.width <= width:
        return None
    copy = ImageOps.exif_transpose(image)
    copy.thumbnail((width, max(1, round(copy.height * width / copy.width))))
    out_format = FORMATS[fmt][2]
    if out_format == "JPEG" and copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    if out_format == "PNG" and copy.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        copy = copy.convert("RGBA")
    buffer = io.BytesIO()
    copy.save(buffer, format=out_format, **({"quality": 85} if out_format != "PNG" else {}))
    ext = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}[out_format]
    return buffer.getvalue(), copy.size, ext


# ---------------------------------------------------------------- writes


def attachment_create(
    *,
    data: bytes,
    name: str,
    description: str = "",
    page=None,
    user=None,
    checked: Checked | None = None,
) -> Attachment:
    """Check, store and record an upload; the pages naming it render again (their
    missing-attachment notes become the file). Nothing is stored when it is refused.
    `checked`: what check(data, name) found, when the caller (the admin's form) has just
    run it on the same bytes."""
    name = validate_name(name)
    if checked is None:
        checked = check(data, name)
    if Attachment.objects.filter(key=key_for(name)).exists():
        raise ValidationError(
            f"An attachment called “{name}” exists already: pick another name, or delete "
            "that one first.",
            code="duplicate",
        )
    attachment = Attachment(
        name=name,
        key=key_for(name),
        content_type=checked.content_type,
        size=len(data),
        width=checked.width,
        height=checked.height,
        description=description.strip()[:300],
        page=page,
        uploaded_by=user,
    )
    attachment.full_clean(exclude=["file", "display"])
    attachment.file.save(name, ContentFile(data), save=False)
    try:
        if checked.display is not None:
            stem = name.rsplit(".", 1)[0]
            attachment.display.save(
                f"{stem}.display.{checked.display_ext}", ContentFile(checked.display), save=False
            )
            attachment.display_width, attachment.display_height = checked.display_size
        with transaction.atomic():
            attachment.save()
            changes.record(targets=[(KIND, attachment.key)])
    except BaseException:
        _delete_files([attachment.file.name, attachment.display.name])
        raise
    return attachment


def attachment_update(*, attachment: Attachment) -> Attachment:
    """Its description or page (the file itself never changes)."""
    attachment.full_clean(exclude=["file", "display"])
    with transaction.atomic():
        attachment.save(update_fields=["description", "page"])
        changes.record(targets=[(KIND, attachment.key)])
    return attachment


def attachment_delete(*, attachment: Attachment) -> None:
    """Delete it and, once that commits, its files; pages naming it say it is missing."""
    files = [attachment.file.name, attachment.display.name]
    with transaction.atomic():
        key = attachment.key
        attachment.delete()
        changes.record(targets=[(KIND, key)])
        transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            Attachment.file.field.storage.delete(name)


# ---------------------------------------------------------------- rendering


def resolve(keys: set[str]) -> dict[str, AttachmentTarget]:
    if not keys:
        return {}
    found = {}
    for a in Attachment.objects.filter(key__in=keys):
        width, height = (a.display_width, a.display_height) if a.display else (a.width, a.height)
        found[a.key] = AttachmentTarget(
            name=a.name,
            url=a.get_absolute_url(),
            display_url=a.get_display_url(),
            is_image=a.is_image,
            width=width,
            height=height,
            description=a.description,
        )
    return found
