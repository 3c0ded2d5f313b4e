from django.tasks import task

from buergerbuero.applications import services


@task
def purge_due_applications() -> int:
    return services.purge_due()
