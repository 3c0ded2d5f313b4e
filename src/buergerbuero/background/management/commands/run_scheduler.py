import contextlib
import signal

from django.core.management.base import BaseCommand

from buergerbuero.background import jobs, scheduler, worker


class Command(BaseCommand):
    help = (
        "Run every periodic job on its schedule (reminders, waitlist, KPI snapshots, floor day close, cleanup). "
        "Safe on several nodes: one holds the database lease, the others stand by."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=10.0, help="Seconds between looks at the schedule.")

    def handle(self, *args, interval, **options):
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        with contextlib.suppress(KeyboardInterrupt):
            scheduler.run(jobs=jobs.JOBS, holder=worker.identity(), interval=interval, stop=lambda: bool(stopping))
