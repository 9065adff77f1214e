"""The outbox: durable follow-up work, claimed by one worker at a time, retried on failure."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import outbox
from core.models import Task

pytestmark = pytest.mark.django_db

done: list[list[str]] = []


@pytest.fixture
def topic():
    done.clear()
    outbox.register("test.topic", lambda keys: done.append(list(keys)), batch=3)
    yield "test.topic"
    outbox._topics.pop("test.topic", None)


def test_work_is_written_in_the_transaction_and_done_after_it(topic, settings):
    settings.OUTBOX_DRAIN = "off"
    outbox.enqueue(topic, ["a", "b", "a"])
    assert sorted(Task.objects.filter(topic=topic).values_list("key", flat=True)) == ["a", "b"]
    assert outbox.drain([topic]) == 2
    assert done == [["a", "b"]]
    assert not Task.objects.filter(topic=topic).exists()


def test_batches_are_bounded(topic, settings):
    settings.OUTBOX_DRAIN = "off"
    outbox.enqueue(topic, [str(n) for n in range(7)])
    assert outbox.drain([topic]) == 7
    assert [len(batch) for batch in done] == [3, 3, 1]


def test_an_unknown_topic_is_refused():
    with pytest.raises(LookupError):
        outbox.enqueue("no.such.topic", ["x"])


def test_a_failing_batch_stays_and_is_retried_later(settings, caplog):
    settings.OUTBOX_DRAIN = "off"
    calls = []

    def flaky(keys):
        calls.append(keys)
        if len(calls) == 1:
            raise OSError("disk full")

    outbox.register("test.flaky", flaky)
    try:
        outbox.enqueue("test.flaky", ["k"])
        assert outbox.drain(["test.flaky"]) == 0
        row = Task.objects.get(topic="test.flaky")
        assert (row.attempts, row.claim) == (1, "")
        assert "disk full" in row.last_error and row.not_before > timezone.now()
        assert "it will be retried" in caplog.text
        assert outbox.drain(["test.flaky"]) == 0  # not before its time
        Task.objects.filter(pk=row.pk).update(not_before=timezone.now())
        assert outbox.drain(["test.flaky"]) == 1
        assert not Task.objects.filter(topic="test.flaky").exists()
    finally:
        outbox._topics.pop("test.flaky", None)


def test_work_asked_for_again_while_it_runs_is_done_again(settings):
    settings.OUTBOX_DRAIN = "off"
    runs = []

    def handler(keys):
        runs.append(keys)
        if len(runs) == 1:  # a save lands while this batch runs
            outbox.enqueue("test.again", ["k"])

    outbox.register("test.again", handler)
    try:
        outbox.enqueue("test.again", ["k"])
        outbox.drain(["test.again"])
        assert runs == [["k"], ["k"]]
        assert not Task.objects.filter(topic="test.again").exists()
    finally:
        outbox._topics.pop("test.again", None)


def test_a_claim_is_exclusive_until_its_lease_runs_out(topic, settings):
    settings.OUTBOX_DRAIN = "off"
    outbox.enqueue(topic, ["k"])
    claim, rows = outbox._claim(outbox._topics[topic])
    assert [r.key for r in rows] == ["k"]
    assert outbox._claim(outbox._topics[topic]) == ("", [])  # another worker finds none
    # The first worker died: after the lease the row is free again.
    Task.objects.filter(claim=claim).update(not_before=timezone.now() - outbox.LEASE - timedelta(1))
    assert outbox.drain([topic]) == 1


def test_a_topic_locked_by_another_process_is_left_to_it(settings):
    settings.OUTBOX_DRAIN = "off"
    import contextlib

    @contextlib.contextmanager
    def held_elsewhere():
        yield False

    outbox.register("test.locked", lambda keys: done.append(keys), lock=held_elsewhere)
    try:
        outbox.enqueue("test.locked", ["k"])
        assert outbox.drain(["test.locked"]) == 0  # returns at once, leaves the row
        assert Task.objects.filter(topic="test.locked").exists()
    finally:
        outbox._topics.pop("test.locked", None)


@pytest.mark.django_db(transaction=True)
def test_thread_mode_does_the_work_after_the_commit_in_the_background(topic, settings):
    from django.db import transaction

    settings.OUTBOX_DRAIN = "thread"
    seen = threading.Event()
    outbox.register("test.topic", lambda keys: (done.append(keys), seen.set()), batch=3)
    with transaction.atomic():
        outbox.enqueue(topic, ["x"])
        assert not seen.is_set()
    assert seen.wait(10)
    outbox.wait_for_background()
    assert done == [["x"]] and not Task.objects.filter(topic=topic).exists()


def test_the_work_command(topic, settings):
    settings.OUTBOX_DRAIN = "off"
    outbox.enqueue(topic, ["a", "b"])
    out = StringIO()
    call_command("work", "--once", stdout=out)
    assert "Done: 2 tasks, 0 left." in out.getvalue()
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("work", "--once", "--topic", "nope", stderr=err)
    assert "Unknown topic" in err.getvalue()
