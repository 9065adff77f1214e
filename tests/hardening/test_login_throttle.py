"""Log-in throttling sees the client's real address behind the configured proxies, and a
stranger cannot lock an editor out (issue 15, finding 5). Lock-outs are per (username,
address) pair: failures from the stranger's address never count against the editor's."""

import pytest
from axes.helpers import get_client_ip_address
from django.test import Client, RequestFactory

from config.settings import client_address_settings

pytestmark = pytest.mark.django_db

EDITOR_IP = "203.0.113.5"
STRANGER_IP = "198.51.100.9"
PROXY_IP = "127.0.0.1"


@pytest.fixture
def proxies(settings):
    def configure(count: int) -> None:
        for name, value in client_address_settings(count).items():
            setattr(settings, name, value)

    return configure


def _address(meta: dict) -> str | None:
    return get_client_ip_address(RequestFactory().get("/admin/login/", **meta))


def test_no_proxy_uses_the_connection_address_and_ignores_forged_headers(proxies):
    proxies(0)
    assert _address({"REMOTE_ADDR": STRANGER_IP}) == STRANGER_IP
    forged = {"REMOTE_ADDR": STRANGER_IP, "HTTP_X_FORWARDED_FOR": EDITOR_IP}
    assert _address(forged) == STRANGER_IP


def test_one_proxy_takes_the_address_the_proxy_appended(proxies):
    proxies(1)
    # The proxy appends the address it was reached from; the client's own text is on the left.
    assert _address({"REMOTE_ADDR": PROXY_IP, "HTTP_X_FORWARDED_FOR": EDITOR_IP}) == EDITOR_IP
    forged = {"REMOTE_ADDR": PROXY_IP, "HTTP_X_FORWARDED_FOR": f"{EDITOR_IP}, {STRANGER_IP}"}
    assert _address(forged) == STRANGER_IP
    many = {"REMOTE_ADDR": PROXY_IP, "HTTP_X_FORWARDED_FOR": f"10.0.0.1, {EDITOR_IP}, 8.8.8.8"}
    assert _address(many) == "8.8.8.8"
    private = {"REMOTE_ADDR": PROXY_IP, "HTTP_X_FORWARDED_FOR": f"{EDITOR_IP}, 192.168.1.7"}
    assert _address(private) == "192.168.1.7"


def test_two_proxies_take_the_second_address_from_the_right(proxies):
    proxies(2)
    chain = f"{EDITOR_IP}, {STRANGER_IP}, 198.18.0.1"  # forged, client, CDN
    assert _address({"REMOTE_ADDR": PROXY_IP, "HTTP_X_FORWARDED_FOR": chain}) == STRANGER_IP


def _log_in(client: Client, password: str, meta: dict):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": password}, **meta
    )


@pytest.mark.parametrize("count", [0, 1])
def test_a_stranger_cannot_lock_out_an_editor(proxies, staff_user, count):
    proxies(count)
    if count:
        stranger = {"REMOTE_ADDR": PROXY_IP, "HTTP_X_FORWARDED_FOR": f"{EDITOR_IP}, {STRANGER_IP}"}
        editor = {"REMOTE_ADDR": PROXY_IP, "HTTP_X_FORWARDED_FOR": EDITOR_IP}
    else:
        stranger = {"REMOTE_ADDR": STRANGER_IP, "HTTP_X_FORWARDED_FOR": EDITOR_IP}
        editor = {"REMOTE_ADDR": EDITOR_IP}
    attacker = Client()
    for _ in range(8):
        _log_in(attacker, "wrong", stranger)
    locked = _log_in(attacker, "pw-editor-1", stranger)
    assert locked.status_code in {403, 429}  # the stranger's pair is locked out …
    response = _log_in(Client(), "pw-editor-1", editor)
    assert response.status_code == 302 and response["Location"] == "/admin/"  # … not the editor


def test_the_editor_is_locked_out_from_their_own_address(proxies, staff_user):
    proxies(1)
    editor = {"REMOTE_ADDR": PROXY_IP, "HTTP_X_FORWARDED_FOR": EDITOR_IP}
    client = Client()
    for _ in range(5):
        _log_in(client, "wrong", editor)
    assert _log_in(client, "pw-editor-1", editor).status_code in {403, 429}


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example", ""],
)
def test_log_in_with_a_refused_next_lands_on_the_admin_index(staff_user, next_url):
    client = Client()
    response = client.post(
        f"/admin/login/?next={next_url}", {"username": "editor", "password": "pw-editor-1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get(response["Location"]).status_code == 200


def test_log_in_with_a_safe_next_goes_there(staff_user, make_page):
    make_page("Flask", "text")
    response = Client().post(
        "/admin/login/?next=/wiki/flask/", {"username": "editor", "password": "pw-editor-1"}
    )
    assert response["Location"] == "/wiki/flask/"
