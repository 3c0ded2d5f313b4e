"""What the outbox does with the planning app's rows (docs/adr/0003-outbox-and-leases.md)."""

from django.utils.translation import gettext_lazy as _

from buergerbuero.background import registry

# The task's name, not the planning services: those bring NumPy, which every process would otherwise load at start
# (the outbox registers the apps' tasks in its ready()); the worker imports them with its first planning run.
RUN_TASK = "planning.run"


# A run takes minutes: its row stays leased for half an hour before another worker may start it over.
@registry.task(RUN_TASK, label=_("Planungslauf"), lease_seconds=1800)
def run_plan(payload: dict, *, attempt: int, now) -> None:
    from buergerbuero.planning import services

    services.execute_run(run_id=payload["run"], resume=attempt > 1)
