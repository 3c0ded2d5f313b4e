import contextlib
import signal

from django.core.management.base import BaseCommand

from buergerbuero.background import worker


class Command(BaseCommand):
    help = "Deliver outbox messages and deferred work (run one or more; they share the rows through leases)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds to wait when nothing is due.")
        parser.add_argument("--batch", type=int, default=20, help="Rows claimed at a time.")
        parser.add_argument("--once", action="store_true", help="Stop when nothing is due (tests, cron).")

    def handle(self, *args, interval, batch, once, **options):
        stopping = []
        # SIGTERM (systemd stop, Ctrl+C of `make run`) lets the current message finish.
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        with contextlib.suppress(KeyboardInterrupt):
            worker.run(interval=interval, batch=batch, once=once, stop=lambda: bool(stopping))
