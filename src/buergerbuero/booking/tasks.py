"""Background tasks of the booking app (django.tasks; one-line calls into services)."""

from django.tasks import task

from buergerbuero.booking import services


@task()
def send_appointment_mail(appointment_id: int, kind: str, ref: str, base_url: str) -> bool:
    return services.deliver_mail(appointment_id=appointment_id, kind=kind, ref=ref, base_url=base_url)
