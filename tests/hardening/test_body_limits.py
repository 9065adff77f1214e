"""Page bodies up to WIKI_MAX_BODY_BYTES reach the wiki's own check, and bigger requests get
the wiki's own message, never Django's bare 400 (issue 15, finding 14). The admin form is
posted URL-encoded, as a browser posts it."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from wiki.models import Page

pytestmark = pytest.mark.django_db


def _post(client: Client, body: str):
    data = {
        "title": "Big Page",
        "body": body,
        "summary": "",
        "tags_text": "",
        "comment": "",
        "base_revision": "",
        "_save": "Save",
    }
    return client.post(
        "/admin/wiki/page/add/",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
    )


@pytest.fixture
def editor(staff_user):
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)
    return client


def test_upload_limit_follows_the_body_limit():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= 3 * settings.WIKI_MAX_BODY_BYTES


def test_body_at_the_limit_in_accented_text_is_saved(editor):
    body = "é" * (settings.WIKI_MAX_BODY_BYTES // 2)  # the limit in bytes; ×3 URL-encoded
    response = _post(editor, body)
    assert response.status_code == 302, response.content[:300]
    assert Page.objects.get(title="Big Page").body == body


def test_body_over_the_limit_gets_the_wikis_message_in_the_form(editor):
    response = _post(editor, "x" * (settings.WIKI_MAX_BODY_BYTES + 10))
    assert response.status_code == 200
    assert f"the limit is {settings.WIKI_MAX_BODY_BYTES:,} bytes" in response.content.decode()
    assert not Page.objects.exists()


def test_request_too_big_to_read_gets_the_wikis_message(editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    response = _post(editor, "x" * 60_000)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not saved: the text is too long" in html
    assert "split the text into several pages" in html
    assert not Page.objects.exists()
