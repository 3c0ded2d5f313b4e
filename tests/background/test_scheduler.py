"""The scheduler: every job on its schedule, one instance at a time through a database lease, results kept."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from buergerbuero.background import jobs, scheduler
from buergerbuero.background.models import JobState
from buergerbuero.booking.models import Appointment

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 10, 24, 20, 10, tzinfo=dt.UTC)  # 22:10 in Berlin, the night the clocks go back
MIN = dt.timedelta(minutes=1)


def ran(states) -> set[str]:
    return {state.name for state in states}


@pytest.fixture(autouse=True)
def lease(settings):
    settings.SCHEDULER_LEASE_SECONDS = 120


def test_every_job_runs_at_the_first_start_then_on_its_schedule():
    assert ran(scheduler.tick(jobs=jobs.JOBS, now=NOW, holder="a")) == {job.name for job in jobs.JOBS}
    assert all(state.last_ok for state in JobState.objects.all())
    assert scheduler.tick(jobs=jobs.JOBS, now=NOW + MIN, holder="a") == []
    assert ran(scheduler.tick(jobs=jobs.JOBS, now=NOW + 5 * MIN, holder="a")) == {"waitlist"}
    assert ran(scheduler.tick(jobs=jobs.JOBS, now=NOW + 10 * MIN, holder="a")) == {"waitlist", "reminders"}
    assert ran(scheduler.tick(jobs=jobs.JOBS, now=NOW + 60 * MIN, holder="a")) == {
        "waitlist",
        "reminders",
        "kpi_snapshots",
        "retention",
    }
    close = JobState.objects.get(name="floor_day_close")
    assert close.next_due_at == dt.datetime(2026, 10, 25, 0, 30, tzinfo=BERLIN)  # 22:30 UTC
    assert "floor_day_close" in ran(scheduler.tick(jobs=jobs.JOBS, now=close.next_due_at, holder="a"))
    close.refresh_from_db()
    assert close.next_due_at == dt.datetime(2026, 10, 26, 0, 30, tzinfo=BERLIN)  # 25 hours later: DST ended


def test_a_second_instance_stands_by_until_the_first_ones_lease_expires():
    assert scheduler.tick(jobs=jobs.JOBS, now=NOW, holder="node-1") is not None
    renewed = NOW + 10 * MIN - dt.timedelta(seconds=1)
    assert ran(scheduler.tick(jobs=jobs.JOBS, now=renewed, holder="node-1")) == {"waitlist"}
    # node-1 renewed its two-minute lease at 9:59; node-2 waits for it to run out, then takes over.
    assert scheduler.tick(jobs=jobs.JOBS, now=NOW + 11 * MIN, holder="node-2") is None
    taken_over = scheduler.tick(jobs=jobs.JOBS, now=NOW + 12 * MIN, holder="node-2")
    assert ran(taken_over) == {"reminders"}
    assert scheduler.tick(jobs=jobs.JOBS, now=NOW + 12 * MIN, holder="node-1") is None


def test_a_failing_job_is_recorded_and_tried_again_soon_while_the_others_run():
    def broken(now):
        raise ValueError("kaputt")

    mixed = [scheduler.Job("broken", "Kaputt", scheduler.Every(dt.timedelta(days=1)), broken), jobs.JOBS[0]]
    scheduler.tick(jobs=mixed, now=NOW, holder="a")
    failed = JobState.objects.get(name="broken")
    assert failed.last_ok is False and "ValueError: kaputt" in failed.last_result
    assert failed.next_due_at == NOW + 5 * MIN
    assert JobState.objects.get(name="reminders").last_ok is True


def test_the_reminder_job_queues_each_reminder_once(settings, small_office):
    from buergerbuero.background.models import Message
    from tests.background.bookings import confirmed_appointment

    appointment = confirmed_appointment(small_office, now=NOW - dt.timedelta(days=14))
    hours_before = appointment.start - dt.timedelta(hours=settings.BOOKING_REMINDER_HOURS - 1)
    scheduler.tick(jobs=jobs.JOBS, now=hours_before, holder="a")
    scheduler.tick(jobs=jobs.JOBS, now=hours_before + 10 * MIN, holder="a")
    assert JobState.objects.get(name="reminders").last_result == "0"  # the second run found nothing new
    (reminder,) = Message.objects.filter(key__contains=":reminder:")
    assert reminder.key == f"booking:{appointment.pk}:reminder:{appointment.sequence}"
    assert Appointment.objects.get(pk=appointment.pk).reminded_sequence == appointment.sequence


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 00:30 on the night clocks go forward and the night they go back exists once, in local time.
        (dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC)),
        (dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC), dt.datetime(2026, 3, 29, 22, 30, tzinfo=dt.UTC)),
        (dt.datetime(2026, 10, 24, 23, 0, tzinfo=dt.UTC), dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC)),
    ],
)
def test_daily_jobs_follow_local_time_across_dst(now, expected):
    assert scheduler.DailyAt(dt.time(0, 30), "Europe/Berlin").next_after(now) == expected
