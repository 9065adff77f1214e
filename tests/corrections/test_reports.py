"""Readers' reports: an anonymous, CSRF-protected, rate-limited form with a honeypot;
reports wait in the editors' queue, stored inert and shown escaped."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.html import escape

from catalog import services as catalog_services
from catalog.models import Entry, Level, Support
from corrections.models import Report
from tests.payloads import XSS_PAYLOADS, assert_inert
from wiki import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page(make_page):
    return make_page("Flask", "First released in 2009.")


def send(client, on, text="The first release was in 2010, not 2009.", **extra):
    data = {"text": text, "source_url": "https://flask.example/changes", "website": "", **extra}
    return client.post(f"/report/?on={on}", data)


def test_every_page_entry_and_cell_offers_the_form(client, page):
    flask = catalog_services.framework_create(name="Flask", slug="flask", kind="micro")
    jinja = catalog_services.component_create(
        name="Jinja2", slug="jinja2", category="template-engine"
    )
    cell = catalog_services.support_save(
        support=Support(framework=flask, engine=jinja, level=Level.DEFAULT)
    )
    assert f'href="/report/?on=page:{page.pk}"' in client.get("/wiki/flask/").content.decode()
    detail = client.get("/catalog/flask/").content.decode()
    assert f'href="/report/?on=entry:{flask.pk}"' in detail
    assert f'href="/report/?on=cell:{cell.pk}"' in detail
    assert (
        f'href="/report/?on=cell:{cell.pk}"'
        in client.get("/catalog/components/jinja2/").content.decode()
    )
    form = client.get(f"/report/?on=cell:{cell.pk}").content.decode()
    assert "the grid cell Flask × Jinja2" in form and "csrfmiddlewaretoken" in form


def test_a_report_waits_in_the_queue_and_nothing_is_shown_publicly(client, page):
    response = send(client, f"page:{page.pk}")
    assert (response.status_code, response["Location"]) == (302, "/report/thanks/")
    report = Report.objects.get()
    assert (report.status, report.subject_label, report.subject_url) == (
        "pending",
        "the page “Flask”",
        "/wiki/flask/",
    )
    assert "2010, not 2009" not in client.get("/wiki/flask/").content.decode()
    assert "2010, not 2009" not in client.get("/report/thanks/").content.decode()


def test_the_form_needs_csrf(page):
    strict = Client(enforce_csrf_checks=True)
    assert send(strict, f"page:{page.pk}").status_code == 403
    assert not Report.objects.exists()


def test_bad_input_is_refused_with_the_text_kept(client, page):
    response = send(client, f"page:{page.pk}", text="short", source_url="javascript:alert(1)")
    text = response.content.decode()
    assert response.status_code == 400
    assert "at least 10 characters" in text and "Enter a valid URL" in text
    assert ">short</textarea>" in text
    assert client.get("/report/?on=page:999999").status_code == 404
    assert client.get("/report/?on=nothing:1").status_code == 404
    services.page_delete(page=page)
    assert client.get(f"/report/?on=page:{page.pk}").status_code == 404
    assert not Report.objects.exists()


def test_the_honeypot_stores_nothing(client, page):
    response = send(client, f"page:{page.pk}", website="http://spam.example")
    assert response.status_code == 302
    assert not Report.objects.exists()


def test_over_the_rate_limit_a_polite_429_that_keeps_the_text(client, page, settings):
    settings.CORRECTIONS_RATE_LIMIT = 3
    for _ in range(3):
        assert send(client, f"page:{page.pk}").status_code == 302
    response = send(client, f"page:{page.pk}", text="A fourth report, kept for later.")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Please wait a little" in text and "A fourth report, kept for later." in text
    assert Report.objects.count() == 3
    # Another address is not held back.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert send(other, f"page:{page.pk}").status_code == 302


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_reports_are_stored_as_sent_and_shown_escaped(client, staff_client, page, payload):
    text = f"Wrong: {payload}"
    assert send(Client(), f"page:{page.pk}", text=text, source_url="").status_code == 302
    report = Report.objects.get()
    assert report.text == text.strip()
    html = staff_client.get(f"/admin/corrections/report/{report.pk}/change/").content.decode()
    shown = html.split("<div class='report-text' style='white-space: pre-wrap'>", 1)[1]
    shown = shown.split("</div>", 1)[0]
    assert shown == escape(text)
    assert_inert(shown)
    listing = staff_client.get("/admin/corrections/report/").content.decode()
    cell = listing.split('<td class="field-excerpt">', 1)[1].split("</td>", 1)[0]
    assert_inert(cell)
    assert escape(text)[:40] in cell


def test_hostile_source_addresses_never_become_links(staff_client, page):
    Report.objects.create(
        subject_kind="page",
        subject_id=page.pk,
        subject_label="x",
        text="y" * 20,
        source_url="javascript:alert(1)",
    )
    html = staff_client.get("/admin/corrections/report/").content.decode()
    assert 'href="javascript' not in html and "href='javascript" not in html
    assert "javascript:alert(1)" in html


def test_accepting_opens_the_edit_with_the_suggestion(staff_client, page):
    send(Client(), f"page:{page.pk}", text="It was <b>2010</b>, see the changelog.")
    report = Report.objects.get()
    response = staff_client.post(f"/admin/corrections/report/{report.pk}/accept/", follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/wiki/page/{page.pk}/change/"
    html = response.content.decode()
    assert "The reader says: “It was &lt;b&gt;2010&lt;/b&gt;, see the changelog.”" in html
    assert "https://flask.example/changes" in html
    report.refresh_from_db()
    assert (report.status, report.reviewed_by.username) == ("accepted", "editor")


def test_rejecting_records_why(staff_client, page):
    send(Client(), f"page:{page.pk}")
    report = Report.objects.get()
    response = staff_client.post(f"/admin/corrections/report/{report.pk}/reject/", {"reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = staff_client.post(
        f"/admin/corrections/report/{report.pk}/reject/", {"reason": "The page is right."}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.reason) == ("rejected", "The page is right.")
    queue = staff_client.get("/admin/corrections/report/").content.decode()
    assert "0 reports" in queue  # the queue opens on what waits


def test_the_queue_is_for_editors_only(page):
    assert Client().get("/admin/corrections/report/").status_code == 302
    assert Entry.objects.count() == 0
