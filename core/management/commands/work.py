"""The outbox worker: does the follow-up work that saves leave behind (core/outbox.py)."""

import signal
import time

from django.core.management import BaseCommand

from core import outbox


class Command(BaseCommand):
    help = (
        "Do the outbox's follow-up work — re-rendering pages whose link targets changed, "
        "indexing — until stopped (or once with --once). Safe to run on several machines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain what is there, then exit.")
        parser.add_argument(
            "--idle", type=float, default=1.0, help="Seconds to sleep when there is nothing to do."
        )
        parser.add_argument("--topic", action="append", help="Only these topics (repeatable).")

    def handle(self, *args, **options):
        names = options["topic"] or outbox.topics()
        unknown = sorted(set(names) - set(outbox.topics()))
        if unknown:
            self.stderr.write(f"Unknown topic(s): {', '.join(unknown)}. Known: {outbox.topics()}")
            raise SystemExit(2)
        stopping = []
        # SIGTERM (a deploy, a supervisor) ends the loop after the batch at hand, so no
        # claimed task waits out its lease.
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while not stopping:
            done = outbox.drain(names)
            if done and options["verbosity"]:
                left = outbox.pending()
                self.stdout.write(f"Did {done} tasks; {left} pending.")
            if options["once"]:
                left = outbox.pending()
                self.stdout.write(self.style.SUCCESS(f"Done: {done} tasks, {left} left."))
                return
            if not done and not stopping:
                time.sleep(options["idle"])
