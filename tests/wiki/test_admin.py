import pytest
from django.urls import reverse

from wiki import services
from wiki.models import Page

pytestmark = pytest.mark.django_db


def change_url(page: Page) -> str:
    return reverse("admin:wiki_page_change", args=[page.pk])


def form_data(page: Page | None = None, **overrides) -> dict:
    data = {
        "title": page.title if page else "New Page",
        "body": page.body if page else "Body",
        "summary": "",
        "tags_text": "",
        "comment": "",
        "base_revision": page.revision_number if page else "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_add_form_prefills_title_from_red_link(staff_client):
    response = staff_client.get(reverse("admin:wiki_page_add") + "?title=Jinja2")
    assert response.status_code == 200
    assert 'value="Jinja2"' in response.content.decode()


def test_admin_add_goes_through_the_service(
    staff_client, staff_user, make_page, django_capture_on_commit_callbacks
):
    wanting = make_page("Engines", "[[Jinja2]]")
    with django_capture_on_commit_callbacks(execute=True):  # and what follows the commit
        response = staff_client.post(
            reverse("admin:wiki_page_add"),
            form_data(
                title="Jinja2", body="A *template* engine.", tags_text="templates", comment="c"
            ),
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = Page.objects.get(title="Jinja2")
    assert page.current_revision.author == staff_user
    assert page.current_revision.html == "<p>A <em>template</em> engine.</p>"
    assert list(page.tags.values_list("name", flat=True)) == ["templates"]
    wanting.refresh_from_db()
    assert "missing" not in wanting.current_revision.html


def test_admin_edit_creates_revision_with_comment(staff_client, make_page):
    page = make_page("Flask", "old")
    response = staff_client.post(
        change_url(page), form_data(page, body="new text", comment="Updated facts")
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.revision_number, page.body) == (2, "new text")
    assert page.current_revision.comment == "Updated facts"


def test_admin_duplicate_title_plain_error(staff_client, make_page):
    make_page("Flask")
    response = staff_client.post(reverse("admin:wiki_page_add"), form_data(title="flask"))
    assert response.status_code == 200
    assert "A page called “Flask” already exists" in response.content.decode()


def test_two_editors_from_one_base_second_gets_conflict_with_text_kept(staff_client, make_page):
    page = make_page("Flask", "line one\nline two")
    first = staff_client.post(change_url(page), form_data(page, body="line one\nfirst edit"))
    assert first.status_code == 302
    second = staff_client.post(
        change_url(page), form_data(page, body="line one\nmy precious second edit")
    )
    text = second.content.decode()
    assert second.status_code == 200
    assert "Edit conflict" in text
    assert "my precious second edit" in text  # the submitted text is kept in the form
    assert "first edit" in text  # their change shown as a diff
    assert 'name="base_revision" value="2"' in text  # re-submitting now merges knowingly
    page.refresh_from_db()
    assert page.body == "line one\nfirst edit"
    assert page.revisions.count() == 2


def test_conflict_lost_in_the_race_after_validation(staff_client, make_page, monkeypatch):
    """Another save commits between the form's check and the service's compare-and-set:
    the service refuses, and the admin shows the conflict with the text kept."""
    page = make_page("Flask", "base")
    real_update = services.page_update

    def racing_update(**kwargs):
        current = Page.objects.get(pk=page.pk)
        raise services.EditConflict(current, kwargs["base_revision"], current.current_revision)

    monkeypatch.setattr(services, "page_update", racing_update)
    response = staff_client.post(change_url(page), form_data(page, body="mine, all mine"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Edit conflict" in text and "mine, all mine" in text
    monkeypatch.setattr(services, "page_update", real_update)
    page.refresh_from_db()
    assert (page.body, page.revision_number) == ("base", 1)


def test_live_preview_uses_the_same_renderer(staff_client, make_page):
    make_page("Flask")
    response = staff_client.post(
        reverse("admin:wiki_page_preview"),
        {"body": "**bold** [[Flask]] [[Nope]] <script>alert(1)</script>"},
    )
    html = response.json()["html"]
    assert "<strong>bold</strong>" in html
    assert 'class="wikilink" href="/wiki/flask/"' in html
    assert "wikilink missing" in html
    assert "<script" not in html


def test_preview_requires_staff(client):
    response = client.post(reverse("admin:wiki_page_preview"), {"body": "x"})
    assert response.status_code == 302  # to the login page
    assert "/admin/login/" in response["Location"]


def test_preview_refuses_oversized_body(staff_client, settings):
    settings.WIKI_MAX_BODY_BYTES = 10
    response = staff_client.post(reverse("admin:wiki_page_preview"), {"body": "x" * 20})
    assert response.status_code == 400
    assert "limit is 10 bytes" in response.json()["error"]


def test_revert_view(staff_client, make_page):
    page = make_page("Flask", "good")
    services.page_update(page=page, body="bad")
    url = reverse("admin:wiki_page_revert", args=[page.pk, 1])
    confirm = staff_client.get(url)
    assert confirm.status_code == 200 and "Revert to revision 1" in confirm.content.decode()
    response = staff_client.post(url, {"base_revision": 2})
    assert response.status_code == 302
    page.refresh_from_db()
    assert (page.body, page.revision_number) == ("good", 3)


def test_change_page_lists_revisions_and_view_on_site(staff_client, make_page):
    page = make_page("Flask", "one")
    services.page_update(page=page, body="two")
    text = staff_client.get(change_url(page)).content.decode()
    assert "revert to this" in text
    assert 'class="viewsitelink"' in text


def test_admin_delete_goes_through_service(
    staff_client, make_page, django_capture_on_commit_callbacks
):
    target = make_page("Mako", "x")
    source = make_page("Engines", "[[Mako]]")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:wiki_page_delete", args=[target.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    source.refresh_from_db()
    assert "wikilink missing" in source.current_revision.html


def test_anonymous_cannot_edit(client, make_page):
    page = make_page("Flask", "x")
    response = client.post(change_url(page), form_data(page, body="hacked"))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.body == "x"
