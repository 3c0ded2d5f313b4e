from django.tasks import task
from django.utils import timezone

from buergerbuero.insights import services


@task
def take_snapshots() -> int:
    return services.take_snapshots(now=timezone.now())
