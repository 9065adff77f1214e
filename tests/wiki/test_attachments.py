"""Attachments: uploads checked by content, stored through Django's storage, shown in
pages as ![alt](attachment:name), served so that they can never run script."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import outbox
from tests.payloads import XSS_PAYLOADS, assert_inert
from wiki import attachments
from wiki.models import Attachment, Page

pytestmark = pytest.mark.django_db


def image_bytes(fmt="PNG", size=(40, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 0).save(buffer, format=fmt)
    return buffer.getvalue()


def stored_files() -> list[str]:
    found = []

    def walk(path):
        dirs, files = default_storage.listdir(path)
        found.extend(f"{path}/{f}" for f in files)
        for d in dirs:
            walk(f"{path}/{d}")

    if default_storage.exists("attachments"):
        walk("attachments")
    return found


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def html_of(page: Page) -> str:
    return Page.objects.get(pk=page.pk).current_revision.html


class TestAccepted:
    def test_a_png_is_stored_with_its_type_and_size(self):
        data = image_bytes()
        a = attachments.attachment_create(data=data, name="diagram.png", description="A box")
        assert (a.content_type, a.width, a.height, a.size) == ("image/png", 40, 30, len(data))
        assert not a.display  # small enough to show as it is
        assert a.file.name.startswith("attachments/") and a.file.name.endswith("/diagram.png")
        with default_storage.open(a.file.name, "rb") as f:
            assert f.read() == data

    def test_a_wide_image_gets_a_display_copy(self, settings):
        settings.WIKI_ATTACHMENT_DISPLAY_WIDTH = 100
        a = attachments.attachment_create(data=image_bytes("JPEG", (400, 200)), name="shot.jpg")
        assert (a.display_width, a.display_height) == (100, 50)
        with default_storage.open(a.display.name, "rb") as f:
            assert Image.open(f).size == (100, 50)

    def test_a_pdf(self):
        a = attachments.attachment_create(data=b"%PDF-1.4\n%...\n", name="spec.pdf")
        assert a.content_type == "application/pdf" and not a.is_image


class TestRefused:
    @pytest.mark.parametrize(
        ("data", "name", "message"),
        [
            (b"<html><script>alert(1)</script></html>", "photo.png", "SVG, HTML or other markup"),
            (
                b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                "logo.svg",
                "can run script",
            ),
            (b'<?xml version="1.0"?><svg/>', "logo.png", "can run script"),
            (b"GIF89a-not-really", "x.gif", "its content is something else"),
            (b"\x00\x01binary junk", "x.png", "its content is something else"),
            (image_bytes("JPEG"), "photo.png", "is a JPEG image: name it ….jpeg"),
            (image_bytes("BMP"), "photo.bmp", "not a PNG, JPEG, GIF or WebP image"),
            (b"", "empty.png", "is empty"),
        ],
    )
    def test_by_content_not_name(self, data, name, message):
        with pytest.raises(ValidationError, match=message):
            attachments.attachment_create(data=data, name=name)
        assert not Attachment.objects.exists() and stored_files() == []

    def test_an_oversize_file(self, settings):
        settings.WIKI_ATTACHMENT_MAX_BYTES = 1000
        with pytest.raises(ValidationError, match="the limit is 1 KB"):
            attachments.attachment_create(data=image_bytes(size=(400, 400)), name="big.png")
        assert not Attachment.objects.exists() and stored_files() == []

    def test_a_decompression_bomb(self, settings):
        settings.WIKI_ATTACHMENT_MAX_PIXELS = 1_000_000
        buffer = io.BytesIO()
        Image.new("1", (4000, 4000)).save(buffer, format="PNG")  # ~2 KB, 16 megapixels
        assert len(buffer.getvalue()) < 10_000
        with pytest.raises(ValidationError, match="it claims 4000 × 4000 pixels"):
            attachments.attachment_create(data=buffer.getvalue(), name="bomb.png")
        assert not Attachment.objects.exists() and stored_files() == []

    def test_a_bomb_beyond_pillows_own_guard(self):
        buffer = io.BytesIO()
        Image.new("1", (30000, 30000)).save(buffer, format="PNG")  # ~110 KB, 900 megapixels
        with pytest.raises(ValidationError, match="at most 40,000,000 pixels"):
            attachments.attachment_create(data=buffer.getvalue(), name="bomb.png")
        assert not Attachment.objects.exists() and stored_files() == []

    def test_a_truncated_image(self):
        with pytest.raises(ValidationError, match="something else"):
            attachments.attachment_create(data=image_bytes()[:60], name="cut.png")

    @pytest.mark.parametrize(
        "name", ["../../etc/passwd.png", "a/b.png", "..\\x.png", "x\x00.png", "noext", ".png"]
    )
    def test_a_path_or_bad_name(self, name):
        with pytest.raises(ValidationError):
            attachments.attachment_create(data=image_bytes(), name=name)
        assert not Attachment.objects.exists() and stored_files() == []

    def test_a_name_taken(self):
        attachments.attachment_create(data=image_bytes(), name="Diagram.png")
        with pytest.raises(ValidationError, match="exists already"):
            attachments.attachment_create(data=image_bytes(), name="diagram.PNG")
        assert len(stored_files()) == 1


class TestInPages:
    def test_an_image_on_a_page_and_a_pdf_link(self, make_page):
        img = attachments.attachment_create(data=image_bytes(), name="arch.png", description="x")
        pdf = attachments.attachment_create(data=b"%PDF-1.4\n", name="spec.pdf")
        page = make_page(
            "Design", "![The architecture](attachment:arch.png) [spec](attachment:spec.pdf)"
        )
        html = html_of(page)
        assert (
            f'<img alt="The architecture" height="30" loading="lazy" '
            f'src="/wiki/_files/{img.pk}/arch.png" width="40">' in html
        )
        assert f'<a href="/wiki/_files/{pdf.pk}/spec.pdf">spec</a>' in html

    def test_a_missing_attachment_shows_until_it_is_uploaded(self, make_page):
        page = make_page("Design", "![The architecture](attachment:arch.png)")
        assert '<span class="attachment-missing">[missing attachment: arch.png]</span>' in html_of(
            page
        )
        a = attachments.attachment_create(data=image_bytes(), name="arch.png")
        outbox.drain()
        assert f'src="/wiki/_files/{a.pk}/arch.png"' in html_of(page)
        attachments.attachment_delete(attachment=a)
        outbox.drain()
        assert "missing attachment: arch.png" in html_of(page)

    def test_the_display_copy_is_what_pages_show(self, make_page, settings):
        settings.WIKI_ATTACHMENT_DISPLAY_WIDTH = 100
        a = attachments.attachment_create(data=image_bytes("PNG", (300, 150)), name="wide.png")
        page = make_page("Design", "![w](attachment:wide.png)")
        assert f'src="/wiki/_files/{a.pk}/display/wide.png" width="100"' in html_of(page)


class TestServing:
    def test_an_image_is_served_inline_with_a_strict_type(self, client):
        a = attachments.attachment_create(data=image_bytes(), name="arch.png")
        response = client.get(f"/wiki/_files/{a.pk}/arch.png")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert response["Content-Disposition"] == 'inline; filename="arch.png"'
        assert b"".join(response.streaming_content) == image_bytes()

    def test_anything_else_is_a_download(self, client):
        a = attachments.attachment_create(data=b"%PDF-1.4\n", name="spec.pdf")
        response = client.get(f"/wiki/_files/{a.pk}/spec.pdf")
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="spec.pdf"'

    def test_a_wrong_name_or_deleted_file_is_not_found(self, client):
        a = attachments.attachment_create(data=image_bytes(), name="arch.png")
        assert client.get(f"/wiki/_files/{a.pk}/other.png").status_code == 404
        attachments.attachment_delete(attachment=a)
        assert client.get(f"/wiki/_files/{a.pk}/arch.png").status_code == 404


class TestAdmin:
    def test_an_editor_uploads_an_image(self, staff_client, make_page):
        page = make_page("Design")
        upload = SimpleUploadedFile("arch.png", image_bytes(), content_type="text/html")
        response = staff_client.post(
            "/admin/wiki/attachment/add/",
            {"upload": upload, "name": "", "description": "Boxes", "page": page.pk},
        )
        assert response.status_code == 302
        a = Attachment.objects.get()
        assert (a.name, a.content_type, a.page, a.uploaded_by.username) == (
            "arch.png",
            "image/png",
            page,
            "editor",
        )
        listing = staff_client.get("/admin/wiki/attachment/").content.decode()
        assert "![Boxes](attachment:arch.png)" in listing

    def test_a_renamed_html_file_is_refused_with_a_message(self, staff_client):
        upload = SimpleUploadedFile("cat.png", b"<html><script>alert(1)</script>")
        response = staff_client.post("/admin/wiki/attachment/add/", {"upload": upload})
        assert response.status_code == 200
        assert "SVG, HTML or other markup" in response.content.decode()
        assert not Attachment.objects.exists() and stored_files() == []

    def test_a_path_in_the_upload_name_never_reaches_storage(self, staff_client):
        upload = SimpleUploadedFile("../../../etc/cron.d/x.png", image_bytes())
        response = staff_client.post("/admin/wiki/attachment/add/", {"upload": upload})
        assert response.status_code == 302
        (path,) = stored_files()
        assert path.startswith("attachments/") and path.endswith("/x.png") and ".." not in path

    def test_an_oversize_upload_is_refused(self, staff_client, settings):
        settings.WIKI_ATTACHMENT_MAX_BYTES = 100
        upload = SimpleUploadedFile("big.png", image_bytes(size=(300, 300)))
        response = staff_client.post("/admin/wiki/attachment/add/", {"upload": upload})
        assert "the limit is 1 KB" in response.content.decode()
        assert not Attachment.objects.exists()


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_names_and_descriptions_stay_inert(staff_client, make_page, payload):
    with pytest.raises(ValidationError):
        attachments.attachment_create(data=image_bytes(), name=payload)
    a = attachments.attachment_create(data=image_bytes(), name="x.png", description=payload)
    page = make_page("Design", "![](attachment:x.png)")
    assert_inert(html_of(page))
    listing = staff_client.get(f"/admin/wiki/attachment/{a.pk}/change/").content.decode()
    body = listing.split('<div class="readonly">', 1)[1].split("</div>", 1)[0]
    assert_inert(body)
