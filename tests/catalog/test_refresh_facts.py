"""refresh_facts: package metadata → FactProposals; accept and reject, in the admin and on
the upkeep page. Metadata comes from the recorded files in tests/catalog/recorded/ (written
by hand in the index's JSON shape); nothing here reaches the network."""

import datetime
import http.client
import io
import json
import re
import shutil
import urllib.error
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client

from catalog import refresh, services
from catalog.models import Entry, FactProposal, ProposalStatus, PythonVersion, Revision

RECORDED = Path(__file__).parent / "recorded"
ALL_VERSIONS = ["2.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]


@pytest.fixture
def versions(db):
    for name in ALL_VERSIONS:
        major, minor = name.split(".")
        PythonVersion.objects.get_or_create(
            name=name, defaults={"major": int(major), "minor": int(minor)}
        )


@pytest.fixture
def recorded(tmp_path):
    """The recorded files, plus a malformed one (pyramid); cherrypy has none."""
    directory = tmp_path / "recorded"
    shutil.copytree(RECORDED, directory)
    (directory / "pyramid.json").write_text('{"info": {"name": "pyramid", "version": "2.0.2",\n')
    return directory


@pytest.fixture
def entries(versions, make_framework):
    return {
        "flask": make_framework(
            "Flask",
            package="flask",
            latest_version="3.1.0",
            latest_release=datetime.date(2024, 11, 13),
            python=["3.9", "3.10", "3.11", "3.12"],
            licence="bsd-3-clause",  # the same licence in another case: no proposal
            homepage="https://flask.example.org/",
        ),
        "django": make_framework(
            "Django",
            package="Django",  # recorded as django.json (names compare normalized)
            latest_version="5.2.4",
            # 2.7: an older release's; the index describes the latest only, so it stays.
            python=["2.7", "3.10", "3.11", "3.12", "3.13"],
            licence="BSD",
            homepage="https://www.djangoproject.example",  # no trailing slash: the same
            repository="https://git.example.org/django/django",
        ),
        "bottle": make_framework("Bottle", package="bottle", licence="MIT", python=["3.12"]),
        "pyramid": make_framework("Pyramid", package="pyramid", latest_version="2.0.1"),
        "tornado": make_framework(  # the recorded metadata is older than the catalog's
            "Tornado",
            package="tornado",
            latest_version="6.5rc1",
            latest_release=datetime.date(2025, 5, 1),
        ),
        "cherrypy": make_framework("CherryPy", package="cherrypy"),
        "pylons": make_framework("Pylons", latest_version="1.0.3"),  # no package name
    }


def run(*args, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    call_command("refresh_facts", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def pending(entry=None):
    found = FactProposal.objects.filter(status=ProposalStatus.PENDING)
    if entry is not None:
        found = found.filter(entry=entry)
    return {p.field: p for p in found}


# ---------------------------------------------------------------- proposing


def test_proposes_every_difference(entries, recorded):
    out, _err = run("--from", str(recorded))

    flask = pending(entries["flask"])
    assert set(flask) == {"latest_version", "latest_release", "python_versions", "repository"}
    assert (flask["latest_version"].current, flask["latest_version"].proposed) == (
        "3.1.0",
        "3.1.1",
    )
    assert flask["latest_release"].proposed == "2025-05-13"  # the version's first upload
    # 3.8 is excluded by requires_python >=3.9; 3.15 is no Python version row.
    assert flask["python_versions"].current == ["3.9", "3.10", "3.11", "3.12"]
    assert flask["python_versions"].proposed == ["3.9", "3.10", "3.11", "3.12", "3.13"]
    assert flask["repository"].proposed == "https://git.example.org/pallets/flask/"
    assert flask["repository"].origin == str(recorded / "flask.json")

    django = pending(entries["django"])
    assert set(django) == {"latest_release", "licence"}
    assert django["latest_release"].current is None
    assert django["latest_release"].proposed == "2025-07-02"
    assert (django["licence"].current, django["licence"].proposed) == ("BSD", "BSD-3-Clause")

    bottle = pending(entries["bottle"])
    # The licence field holds a whole text: the classifier names it. Dates from urls[].
    assert bottle["licence"].proposed == "MIT License"
    assert bottle["homepage"].proposed == "https://bottle.example.org/"
    assert bottle["latest_release"].proposed == "2025-06-15"
    assert bottle["python_versions"].proposed == ["3.8", "3.9", "3.10", "3.11", "3.12"]

    assert "3.1.0 → 3.1.1" in out
    assert "flask: Python 3.15 not in the catalog" in out
    assert "bottle: classifiers name Python 2.7 but requires_python is >=3.8" in out
    assert "tornado: the catalog's version 6.5rc1 is newer than the index's 6.4.2" in out
    tornado = pending(entries["tornado"])
    assert "latest_version" not in tornado and "latest_release" not in tornado
    assert tornado["python_versions"].proposed == ["3.9", "3.10", "3.11", "3.12", "3.13"]
    assert "4 read, 2 not read, 1 without a package name" in out
    assert "15 new" in out
    assert FactProposal.objects.count() == 15  # flask 4, django 2, bottle 5, tornado 4


def test_bad_input_is_reported_per_entry_and_the_rest_goes_on(entries, recorded):
    _out, err = run("--from", str(recorded))
    assert "pyramid: no metadata (malformed JSON in" in err
    assert "cherrypy: no metadata (no file" in err
    assert "pylons" not in err  # no package name: skipped, not a problem
    assert not pending(entries["pyramid"]) and not pending(entries["cherrypy"])
    assert pending(entries["flask"])


def test_nothing_read_is_an_error(entries, recorded):
    with pytest.raises(CommandError, match="No metadata could be read for any of 2 entries"):
        run("--from", str(recorded), "--only", "pyramid", "cherrypy")
    assert not FactProposal.objects.exists()


def test_unknown_slug_in_only_is_an_error(entries, recorded):
    with pytest.raises(CommandError, match="No entry called nosuch"):
        run("--from", str(recorded), "--only", "nosuch")


def test_rerun_does_not_duplicate(entries, recorded):
    run("--from", str(recorded))
    first = {p.pk: p.observed for p in FactProposal.objects.all()}
    out, _ = run("--from", str(recorded))
    again = {p.pk: p.observed for p in FactProposal.objects.all()}
    assert set(again) == set(first)  # the same rows, none added
    assert all(again[pk] >= first[pk] for pk in first)
    assert "0 new" in out and "15 seen again" in out


def test_rejected_value_is_not_proposed_again(entries, recorded, staff_user):
    run("--from", str(recorded))
    refresh.reject_proposal(pending(entries["flask"])["latest_version"], user=staff_user)

    out, _ = run("--from", str(recorded), "--only", "flask")

    assert "latest_version" not in pending(entries["flask"])
    rows = FactProposal.objects.filter(entry=entries["flask"], field="latest_version")
    assert [(p.status, p.proposed) for p in rows] == [("rejected", "3.1.1")]
    assert "rejected before" in out


def test_a_new_value_replaces_the_pending_one(entries, recorded):
    run("--from", str(recorded), "--only", "flask")
    data = json.loads((recorded / "flask.json").read_text())
    data["info"]["version"] = "3.1.2"
    data["releases"]["3.1.2"] = [{"upload_time_iso_8601": "2025-08-19T20:00:00Z"}]
    (recorded / "flask.json").write_text(json.dumps(data))

    out, _ = run("--from", str(recorded), "--only", "flask")

    rows = FactProposal.objects.filter(entry=entries["flask"], field="latest_version")
    assert [(p.status, p.proposed) for p in rows] == [("pending", "3.1.2")]
    assert pending(entries["flask"])["latest_release"].proposed == "2025-08-19"
    assert "replaced" in out


def test_pending_proposal_withdrawn_when_the_catalog_agrees(entries, recorded):
    run("--from", str(recorded), "--only", "django")
    django = entries["django"]
    django.licence = "BSD-3-Clause"
    services.entry_save(entry=django)

    out, _ = run("--from", str(recorded), "--only", "django")

    assert set(pending(django)) == {"latest_release"}
    assert "withdrawn" in out


def test_dry_run_writes_nothing(entries, recorded):
    out, _ = run("--from", str(recorded), "--dry-run")
    assert not FactProposal.objects.exists()
    assert "3.1.0 → 3.1.1" in out
    assert "Dry run, nothing written" in out


def test_dry_run_leaves_pending_proposals_alone(entries, recorded):
    run("--from", str(recorded))
    before = list(FactProposal.objects.values_list("pk", "observed", "proposed"))
    run("--from", str(recorded), "--dry-run")
    assert list(FactProposal.objects.values_list("pk", "observed", "proposed")) == before


def test_no_package_name_is_skipped_unless_guessing(versions, make_framework, recorded):
    bottle = make_framework("Bottle", licence="MIT License")  # slug "bottle", no package
    with pytest.raises(CommandError, match="no entry has a package name"):
        run("--from", str(recorded))
    out, _ = run("--from", str(recorded), "--guess-names")
    assert "bottle" in out
    assert "homepage" in pending(bottle)


def test_no_index_url_is_an_error(entries, settings):
    settings.PACKAGE_INDEX_URL = ""
    with pytest.raises(CommandError, match="--index-url"):
        run()


def test_index_url_must_be_http(entries):
    with pytest.raises(CommandError, match="absolute http"):
        run("--index-url", "file:///etc")


# ---------------------------------------------------------------- the index over HTTP


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@pytest.fixture
def fake_index(monkeypatch):
    """urlopen answering from the recorded files; every request kept."""
    asked = []

    def urlopen(request, timeout):
        asked.append((request.full_url, request.get_header("User-agent"), timeout))
        package = request.full_url.rstrip("/").split("/")[-2]
        path = RECORDED / f"{refresh.normalize(package)}.json"
        if not path.is_file():
            raise urllib.error.HTTPError(request.full_url, 404, "Not Found", {}, None)
        return FakeResponse(path.read_bytes())

    monkeypatch.setattr(refresh.urllib.request, "urlopen", urlopen)
    return asked


def test_reads_the_index_json_api(entries, fake_index, settings):
    settings.PACKAGE_INDEX_URL = "https://index.example/pypi/"
    settings.PACKAGE_INDEX_TIMEOUT = 4
    _out, err = run("--only", "flask", "cherrypy")
    assert fake_index[0] == ("https://index.example/pypi/cherrypy/json", refresh.USER_AGENT, 4)
    assert fake_index[1][0] == "https://index.example/pypi/flask/json"
    assert "cherrypy: no metadata (not found on the index (404" in err
    flask = pending(entries["flask"])
    assert flask["latest_version"].origin == "https://index.example/pypi/flask/json"


def test_index_that_does_not_answer_is_not_asked_again_and_again(entries, monkeypatch):
    calls = []

    def urlopen(request, timeout):
        calls.append(request.full_url)
        raise urllib.error.URLError(TimeoutError("timed out"))

    monkeypatch.setattr(refresh.urllib.request, "urlopen", urlopen)
    err = io.StringIO()
    with pytest.raises(CommandError, match="No metadata could be read"):
        call_command(
            "refresh_facts",
            "--index-url",
            "https://index.example/pypi",
            "--timeout",
            "0.5",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert len(calls) == refresh.GIVE_UP_AFTER  # then the rest are not asked
    assert "not asked: the index failed 3 times in a row" in err.getvalue()
    assert not FactProposal.objects.exists()


def _http_error(code):
    def fail(request, timeout):
        raise urllib.error.HTTPError(request.full_url, code, "Error", {}, None)

    return fail


def _raise(error):
    def fail(request, timeout):
        raise error

    return fail


@pytest.mark.parametrize(
    ("urlopen", "message", "unreachable"),
    [
        (
            _http_error(404),
            "not found on the index (404 at https://index.example/pypi/x/json)",
            False,
        ),
        (_http_error(503), "the index answered 503 at", True),
        (_http_error(403), "the index answered 403 at", False),
        (_raise(TimeoutError()), "timed out after 2 s at", True),
        (_raise(urllib.error.URLError(TimeoutError())), "timed out after 2 s", True),
        (_raise(urllib.error.URLError("Name or service not known")), "cannot reach", True),
        (_raise(http.client.IncompleteRead(b"{")), "cannot read", True),
        (lambda request, timeout: FakeResponse(b"<html>"), "malformed JSON in https://", False),
        (lambda request, timeout: FakeResponse(b"[1, 2]"), "no “info” object", False),
    ],
)
def test_index_errors_are_metadata_errors(monkeypatch, urlopen, message, unreachable):
    monkeypatch.setattr(refresh.urllib.request, "urlopen", urlopen)
    with pytest.raises(refresh.MetadataError, match=re.escape(message)) as raised:
        refresh.read_index("https://index.example/pypi", "x", timeout=2)
    assert raised.value.unreachable is unreachable


def test_package_names_are_checked_before_any_path_or_url():
    for name in ["../secrets", "a/b", "", "-x", "x" * 120]:
        with pytest.raises(refresh.MetadataError, match="not a package name"):
            refresh.read_recorded(RECORDED, name)
        with pytest.raises(refresh.MetadataError, match="not a package name"):
            refresh.read_index("https://index.example/pypi", name, timeout=1)


@pytest.mark.parametrize(
    ("spec", "allowed", "refused"),
    [
        (">=3.9", ["3.9", "3.13"], ["3.8", "2.7"]),
        (">=3.8,<4", ["3.8", "3.14"], ["2.7", "3.7"]),
        (">=2.7, !=3.0.*, !=3.1.*", ["2.7", "3.2"], ["3.0", "3.1"]),
        ("~=3.10", ["3.10", "3.13"], ["3.9"]),
        (">3.9", ["3.9", "3.10"], ["3.8"]),  # 3.9.1 > 3.9
        (">=3.9.2", ["3.9", "3.10"], ["3.8"]),
        ("<3.12", ["3.11"], ["3.12"]),
        ("<3.12.1", ["3.12"], ["3.13"]),
        ("<=3.12", ["3.12"], ["3.13"]),
        ("==3.*", ["3.0", "3.14"], ["2.7"]),
        ("==3.11.*", ["3.11"], ["3.10", "3.12"]),
        ("~=3.10.2", ["3.10"], ["3.11", "3.9"]),
        (" >= 3.10 ,", ["3.10"], ["3.9"]),
    ],
)
def test_python_allows(spec, allowed, refused):
    for name in allowed:
        assert refresh.python_allows(spec, *map(int, name.split("."))), (spec, name)
    for name in refused:
        assert refresh.python_allows(spec, *map(int, name.split("."))) is False, (spec, name)


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("3.1.0", "3.1.1"),
        ("3.1", "3.1.0.1"),
        ("6.0rc1", "6.0"),
        ("6.0a2", "6.0b1"),
        ("6.0.dev1", "6.0a1"),
        ("2.0", "2.0.post1"),
        ("0.9.9", "0.10"),
    ],
)
def test_version_order(older, newer):
    assert refresh.version_key(older) < refresh.version_key(newer)


def test_version_key_of_a_name_that_is_no_version():
    assert refresh.version_key("trunk") is None
    assert refresh.version_key("3.1.0") == refresh.version_key("3.1")


def test_python_allows_unknown_clause_excludes_nothing():
    assert refresh.python_allows(">=3.8; weird", 3, 9) is None


# ---------------------------------------------------------------- accepting, rejecting


def test_accept_applies_the_value(entries, recorded, staff_user):
    run("--from", str(recorded))
    flask = entries["flask"]
    proposals = pending(flask)

    refresh.accept_proposal(proposals["latest_version"], user=staff_user)
    refresh.accept_proposal(proposals["latest_release"], user=staff_user)
    refresh.accept_proposal(proposals["python_versions"], user=staff_user)

    flask = Entry.objects.get(pk=flask.pk)
    assert flask.latest_version == "3.1.1"
    assert flask.latest_release == datetime.date(2025, 5, 13)
    assert [v.name for v in flask.python_versions.order_by("major", "minor")] == [
        "3.9",
        "3.10",
        "3.11",
        "3.12",
        "3.13",
    ]
    accepted = FactProposal.objects.get(pk=proposals["latest_version"].pk)
    assert accepted.status == ProposalStatus.ACCEPTED
    assert accepted.decided_by == staff_user and accepted.decided is not None
    # Accepted values agree with the index now: nothing to propose for them.
    run("--from", str(recorded), "--only", "flask")
    assert set(pending(flask)) == {"repository"}


def test_accept_writes_a_catalog_revision(entries, recorded, staff_user, client):
    run("--from", str(recorded), "--only", "flask")
    proposals = pending(entries["flask"])
    refresh.accept_proposal(proposals["latest_version"], user=staff_user)
    refresh.accept_proposal(proposals["python_versions"], user=staff_user)

    revisions = Revision.objects.filter(entry=entries["flask"], via="refresh").order_by("id")
    assert [r.user for r in revisions] == [staff_user, staff_user]
    version, pythons = revisions
    assert version.comment.startswith("Accepted from the package index: latest version 3.1.1")
    assert [(name, a, b) for name, a, b in version.changed_fields()] == [
        ("latest_version", "3.1.0", "3.1.1")
    ]
    assert "python_versions" in {name for name, _, _ in pythons.changed_fields()}
    page = client.get(version.get_absolute_url())
    assert page.status_code == 200
    assert "Accepted from the package index" in page.content.decode()


def test_rejecting_writes_no_revision(entries, recorded, staff_user):
    run("--from", str(recorded), "--only", "flask")
    count = Revision.objects.count()
    refresh.reject_proposal(pending(entries["flask"])["latest_version"], user=staff_user)
    assert Revision.objects.count() == count


def test_accept_bumps_the_entry_version(entries, recorded, staff_user):
    run("--from", str(recorded), "--only", "flask")
    before = Entry.objects.get(pk=entries["flask"].pk).version
    refresh.accept_proposal(pending(entries["flask"])["repository"], user=staff_user)
    after = Entry.objects.get(pk=entries["flask"].pk)
    assert after.repository == "https://git.example.org/pallets/flask/"
    assert after.version > before  # cached pages showing it miss


def test_stale_accept_is_refused(entries, recorded, staff_user):
    run("--from", str(recorded), "--only", "flask")
    flask = Entry.objects.get(pk=entries["flask"].pk)
    flask.latest_version = "3.1.0.post1"  # an editor changed it since
    services.entry_save(entry=flask)
    proposal = pending(flask)["latest_version"]

    with pytest.raises(refresh.ProposalError, match=r"Stale.*3\.1\.0\.post1"):
        refresh.accept_proposal(proposal, user=staff_user)

    assert Entry.objects.get(pk=flask.pk).latest_version == "3.1.0.post1"
    assert FactProposal.objects.get(pk=proposal.pk).status == ProposalStatus.PENDING


def test_decided_proposal_cannot_be_decided_again(entries, recorded, staff_user):
    run("--from", str(recorded), "--only", "flask")
    proposal = pending(entries["flask"])["latest_version"]
    refresh.reject_proposal(proposal, user=staff_user)
    with pytest.raises(refresh.ProposalError, match="already rejected"):
        refresh.accept_proposal(proposal, user=staff_user)
    assert Entry.objects.get(pk=entries["flask"].pk).latest_version == "3.1.0"


# ---------------------------------------------------------------- the upkeep page, the admin


def test_upkeep_page_lists_pending_proposals_with_buttons(entries, recorded, staff_client):
    run("--from", str(recorded), "--only", "flask")
    html = staff_client.get("/catalog/upkeep/").content.decode()
    assert 'id="proposals"' in html
    assert "3.1.0" in html and "3.1.1" in html and "latest version" in html
    assert str(recorded / "flask.json") in html
    proposal = pending(entries["flask"])["latest_version"]
    assert f'action="/catalog/upkeep/proposals/{proposal.pk}/accept/"' in html
    assert f'action="/catalog/upkeep/proposals/{proposal.pk}/reject/"' in html
    assert "csrfmiddlewaretoken" in html


def test_accept_button_applies_and_redirects_back(entries, recorded, staff_client):
    run("--from", str(recorded), "--only", "flask")
    proposal = pending(entries["flask"])["latest_version"]
    response = staff_client.post(f"/catalog/upkeep/proposals/{proposal.pk}/accept/")
    assert response.status_code == 302
    assert response["Location"] == "/catalog/upkeep/#proposals"
    assert Entry.objects.get(pk=entries["flask"].pk).latest_version == "3.1.1"
    page = staff_client.get("/catalog/upkeep/").content.decode()
    assert "Accepted: Flask’s latest version is now 3.1.1." in page


def test_reject_button(entries, recorded, staff_client):
    run("--from", str(recorded), "--only", "flask")
    proposal = pending(entries["flask"])["latest_version"]
    response = staff_client.post(f"/catalog/upkeep/proposals/{proposal.pk}/reject/")
    assert response.status_code == 302
    assert FactProposal.objects.get(pk=proposal.pk).status == ProposalStatus.REJECTED
    assert Entry.objects.get(pk=entries["flask"].pk).latest_version == "3.1.0"


def test_stale_accept_button_says_why(entries, recorded, staff_client):
    run("--from", str(recorded), "--only", "flask")
    proposal = pending(entries["flask"])["latest_version"]
    Entry.objects.filter(pk=entries["flask"].pk).update(latest_version="3.1.0rc1")
    response = staff_client.post(f"/catalog/upkeep/proposals/{proposal.pk}/accept/", follow=True)
    assert "Stale: Flask’s latest version is now 3.1.0rc1" in response.content.decode()
    assert Entry.objects.get(pk=entries["flask"].pk).latest_version == "3.1.0rc1"


def test_anonymous_cannot_accept(entries, recorded, client):
    run("--from", str(recorded), "--only", "flask")
    proposal = pending(entries["flask"])["latest_version"]
    response = client.post(f"/catalog/upkeep/proposals/{proposal.pk}/accept/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert FactProposal.objects.get(pk=proposal.pk).status == ProposalStatus.PENDING
    assert Entry.objects.get(pk=entries["flask"].pk).latest_version == "3.1.0"


def test_staff_without_permission_cannot_accept(entries, recorded, client, django_user_model):
    run("--from", str(recorded), "--only", "flask")
    helper = django_user_model.objects.create_user("helper", password="pw-helper-1")
    helper.is_staff = True
    helper.save()
    client.force_login(helper)
    proposal = pending(entries["flask"])["latest_version"]
    assert "/accept/" not in client.get("/catalog/upkeep/").content.decode()
    response = client.post(f"/catalog/upkeep/proposals/{proposal.pk}/accept/")
    assert response.status_code == 403
    assert FactProposal.objects.get(pk=proposal.pk).status == ProposalStatus.PENDING
    helper.user_permissions.add(Permission.objects.get(codename="change_entry"))
    helper = django_user_model.objects.get(pk=helper.pk)
    client.force_login(helper)
    assert client.post(f"/catalog/upkeep/proposals/{proposal.pk}/accept/").status_code == 302


def test_accept_needs_post_and_a_csrf_token(entries, recorded, staff_user):
    run("--from", str(recorded), "--only", "flask")
    proposal = pending(entries["flask"])["latest_version"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_user)
    url = f"/catalog/upkeep/proposals/{proposal.pk}/accept/"
    assert strict.get(url).status_code == 405
    assert strict.post(url).status_code == 403
    assert FactProposal.objects.get(pk=proposal.pk).status == ProposalStatus.PENDING


def test_admin_actions_accept_and_reject(entries, recorded, staff_client):
    run("--from", str(recorded), "--only", "flask")
    proposals = pending(entries["flask"])
    url = "/admin/catalog/factproposal/"
    assert staff_client.get(url).status_code == 200
    staff_client.post(
        url, {"action": "accept_proposals", "_selected_action": [proposals["repository"].pk]}
    )
    staff_client.post(
        url, {"action": "reject_proposals", "_selected_action": [proposals["latest_version"].pk]}
    )
    flask = Entry.objects.get(pk=entries["flask"].pk)
    assert flask.repository == "https://git.example.org/pallets/flask/"
    assert flask.latest_version == "3.1.0"
    statuses = dict(FactProposal.objects.values_list("field", "status"))
    assert statuses["repository"] == "accepted"
    assert statuses["latest_version"] == "rejected"
