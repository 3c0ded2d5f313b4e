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


def _check_slugs(service_slugs: list[str]) -> None:
    if not service_slugs:
        raise DomainError(_("Bitte mindestens eine Leistung wählen."), field="services")
    if len(set(service_slugs)) != len(service_slugs):
        raise DomainError(_("Jede Leistung bitte nur einmal wählen."), field="services")
    known = set(Service.objects.filter(slug__in=service_slugs).values_list("slug", flat=True))
    if len(known) != len(service_slugs):
        raise NotFound(_("Diese Leistung gibt es nicht."), field="services")


def offered_minutes_many(*, offices: list[Office], service_slugs: list[str]) -> dict[int, list[tuple[Service, int]]]:
    """For each office that offers all the services asked for: the services with their handling minutes there,
    in the order asked. Offices lacking one of them are left out."""
    if not service_slugs or len(set(service_slugs)) != len(service_slugs):
        _check_slugs(service_slugs)  # raises with the reason
    rows: dict[int, dict[str, OfficeService]] = {}
    for row in OfficeService.objects.select_related("service").filter(
        office_id__in=[o.pk for o in offices], active=True, service__slug__in=service_slugs
    ):
        rows.setdefault(row.office_id, {})[row.service.slug] = row
    offered = {
        office_id: [(found[slug].service, found[slug].effective_minutes) for slug in service_slugs]
        for office_id, found in rows.items()
        if len(found) == len(service_slugs)
    }
    if len(offered) < len(offices):
        # Only now tell an unknown service (404) from one an office lacks: this runs on every booking.
        _check_slugs(service_slugs)
    return offered


def offered_minutes(*, office: Office, service_slugs: list[str]) -> list[tuple[Service, int]]:
    offered = offered_minutes_many(offices=[office], service_slugs=service_slugs)
    if office.pk not in offered:
        raise DomainError(_("Diese Leistung wird an diesem Standort nicht angeboten."), field="services")
    return offered[office.pk]
