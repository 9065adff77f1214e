"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`.

Each value can be overridden from the environment (GUNICORN_WORKERS, …)."""

import multiprocessing
import os
from pathlib import Path


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"

# Forwarded headers are believed only behind a proxy that says so (BEHIND_PROXY=1, as for
# Django's SECURE_PROXY_SSL_HEADER), and then only X-Forwarded-Proto, from the proxy's
# addresses (FORWARDED_ALLOW_IPS, default loopback). gunicorn's own default trusts
# X-Forwarded-Proto, -Ssl and -Protocol from loopback whatever the deployment.
if _env_bool("BEHIND_PROXY"):
    forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
else:
    forwarded_allow_ips = ""
    secure_scheme_headers = {}
    forwarder_headers = ""

# gunicorn ≥ 25.1 opens a control socket for `gunicornc`, by default at one path per user
# (~/.gunicorn/gunicorn.ctl): a second instance (the site and a benchmark) took it over, and
# stopping either deleted it for both. Off unless GUNICORN_CONTROL_SOCKET names a path; "1"
# means var/gunicorn-<port>.ctl under VAR_DIR, one per instance.
_control = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control in {"", "0", "off", "false", "no"}:
    control_socket_disable = True
else:
    if _control in {"1", "on", "true", "yes"}:
        _var = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
        _port = bind.rsplit(":", 1)[-1].replace("/", "_")
        _control = str(_var / f"gunicorn-{_port}.ctl")
    control_socket = _control
