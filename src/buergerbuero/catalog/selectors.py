from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from buergerbuero.catalog.models import Office, OfficeService, Service
from buergerbuero.core.errors import DomainError, NotFound


def offices() -> QuerySet[Office]:
    return Office.objects.select_related("reference_service").order_by("name")


def office_by_slug(slug: str) -> Office:
    office = offices().filter(slug=slug).first()
    if office is None:
        raise NotFound(_("Diesen Standort gibt es nicht."), field="office")
    return office


def services(*, office: Office | None = None, online_only: bool = False) -> QuerySet[Service]:
    qs = Service.objects.all()
    if office is not None:
        qs = qs.filter(office_services__office=office, office_services__active=True)
    if online_only:
        qs = qs.filter(bookable_online=True)
    return qs.order_by("name_de")


def service_by_slug(slug: str) -> Service:
    service = Service.objects.filter(slug=slug).first()
    if service is None:
        raise NotFound(_("Diese Leistung gibt es nicht."), field="services")
    return service


def offered_minutes(*, office: Office, service_slugs: list[str]) -> list[tuple[Service, int]]:
    """The services asked for with their handling minutes at this office, in the order asked."""
    if not service_slugs:
        raise DomainError(_("Bitte mindestens eine Leistung wählen."), field="services")
    if len(set(service_slugs)) != len(service_slugs):
        raise DomainError(_("Jede Leistung bitte nur einmal wählen."), field="services")
    rows = {
        row.service.slug: row
        for row in OfficeService.objects.select_related("service").filter(
            office=office, active=True, service__slug__in=service_slugs
        )
    }
    out = []
    for slug in service_slugs:
        if slug not in rows:
            if not Service.objects.filter(slug=slug).exists():
                raise NotFound(_("Diese Leistung gibt es nicht."), field="services")
            raise DomainError(_("Diese Leistung wird an diesem Standort nicht angeboten."), field="services")
        out.append((rows[slug].service, rows[slug].effective_minutes))
    return out
