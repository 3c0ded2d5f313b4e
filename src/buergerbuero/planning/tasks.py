from django.tasks import task

from buergerbuero.planning import services


@task
def run_plan(run_id: int) -> None:
    services.execute_run(run_id=run_id)
