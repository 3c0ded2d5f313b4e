from django.tasks import task
from django.utils import timezone

from buergerbuero.queue import services


@task
def close_past_days() -> int:
    return sum(close.visits for close in services.close_past_days(now=timezone.now()))
