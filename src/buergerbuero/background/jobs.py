"""The periodic jobs of the scheduler. Adding one is one line in JOBS: name, label for staff, schedule, and a
function that gets `now` and returns what staff see as its result."""

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from buergerbuero.background import services
from buergerbuero.background.scheduler import DailyAt, Every, Job
from buergerbuero.booking import services as booking_services
from buergerbuero.booking.waitlist import services as waitlist
from buergerbuero.insights import services as insights_services
from buergerbuero.privacy import services as privacy_services
from buergerbuero.queue import services as queue_services

MINUTE = dt.timedelta(minutes=1)
AFTER_MIDNIGHT = DailyAt(dt.time(0, 30))  # local time; closes the days before the office's today


def reminders(now: dt.datetime) -> int:
    return booking_services.enqueue_due_reminders(now=now)


def waitlist_offers(now: dt.datetime) -> int:
    return waitlist.process_all(now=now)


def kpi_snapshots(now: dt.datetime) -> int:
    return insights_services.take_snapshots(now=now)


def floor_day_close(now: dt.datetime) -> int:
    return sum(close.visits for close in queue_services.close_past_days(now=now))


def expired_sessions(now: dt.datetime) -> None:
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()  # each session stores its own expiry


def finished_messages(now: dt.datetime) -> int:
    return services.prune(now=now, days=settings.OUTBOX_KEEP_DAYS)


def retention(now: dt.datetime) -> int:
    return sum(privacy_services.apply_retention(now=now).values())


JOBS = [
    Job("reminders", _("Erinnerungen einreihen"), Every(10 * MINUTE), reminders, _("eingereiht")),
    Job("waitlist", _("Wartelisten-Angebote machen"), Every(5 * MINUTE), waitlist_offers, _("Angebote")),
    Job("kpi_snapshots", _("Kennzahlen messen"), Every(60 * MINUTE), kpi_snapshots, _("Messwerte")),
    Job("floor_day_close", _("Tagesabschluss der Wartebereiche"), AFTER_MIDNIGHT, floor_day_close, _("Besuche")),
    Job("sessions", _("Abgelaufene Sitzungen löschen"), DailyAt(dt.time(4, 0)), expired_sessions),
    # Every 15 minutes: the eID identity in a session must be gone 30 minutes after the login.
    Job("retention", _("Personenbezogene Daten nach Frist löschen"), Every(15 * MINUTE), retention, _("Datensätze")),
    Job("prune_outbox", _("Erledigte Nachrichten löschen"), DailyAt(dt.time(4, 15)), finished_messages, _("Zeilen")),
]
