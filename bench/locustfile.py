"""Locust users for `make loadtest` (driven by bench/loadtest.py, which writes the plan).

Mix: 90% page and catalog views, 8% searches (HTML and JSON), 2% admin saves through the
change form with the CSRF token scraped from it. Every save the server acknowledges (302
to the change list) is recorded by its unique marker, so the driver can look each one up
as a revision afterwards. A conflict page (someone saved the same page first) is a
correct refusal, counted apart, not an error.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import uuid

from locust import FastHttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"]).read())  # noqa: SIM115
ACKED: list[str] = []
CONFLICTS: list[str] = []
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BASE_REV = re.compile(r'name="base_revision" value="(\d+)"')
THINK = float(os.environ.get("LOADTEST_THINK", "0.3"))


class Visitor(FastHttpUser):
    wait_time = between(THINK / 2, THINK * 1.5)

    def on_start(self) -> None:
        self.cookies = f"sessionid={PLAN['sessionid']}; csrftoken={PLAN['csrftoken']}"

    @task(90)
    def view(self) -> None:
        path = random.choice(PLAN["views"])
        self.client.get(path, name=PLAN["view_names"].get(path, path))

    @task(4)
    def search_page(self) -> None:
        self.client.get("/search/", params={"q": random.choice(PLAN["queries"])}, name="/search/")

    @task(4)
    def search_api(self) -> None:
        self.client.get(
            "/api/search/", params={"q": random.choice(PLAN["queries"])}, name="/api/search/"
        )

    @task(2)
    def save(self) -> None:
        pk = random.choice(PLAN["edit_pks"])
        url = f"/admin/wiki/page/{pk}/change/"
        headers = {"Cookie": self.cookies}
        with self.client.get(url, headers=headers, name="admin form", catch_response=True) as r:
            token, base = CSRF.search(r.text or ""), BASE_REV.search(r.text or "")
            title = re.search(r'name="title"[^>]*value="([^"]*)"', r.text or "")
            body = re.search(
                r"<textarea[^>]*name=\"body\"[^>]*>\n?(.*?)</textarea>", r.text or "", re.S
            )
            if not (r.status_code == 200 and token and base and title and body):
                r.failure(f"change form unusable ({r.status_code})")
                return
        marker = f"loadtest-{uuid.uuid4().hex}"

        data = {
            "csrfmiddlewaretoken": token.group(1),
            "title": html.unescape(title.group(1)),
            "body": html.unescape(body.group(1)) + f"\n\n<!-- {marker} -->",
            "summary": "",
            "tags_text": "",
            "comment": marker,
            "base_revision": base.group(1),
            "_continue": "",
        }
        headers = {**headers, "Referer": PLAN["host"] + url}
        with self.client.post(
            url,
            data=data,
            headers=headers,
            name="admin save",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            if r.status_code == 302:
                ACKED.append(marker)
            elif r.status_code == 200 and "Edit conflict" in (r.text or ""):
                CONFLICTS.append(marker)
                r.success()
            else:
                r.failure(f"save answered {r.status_code}")


@events.quitting.add_listener
def _write_acks(environment, **kwargs) -> None:
    with open(os.environ["LOADTEST_ACKS"], "w") as f:
        json.dump({"acked": ACKED, "conflicts": CONFLICTS}, f)
