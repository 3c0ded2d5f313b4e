from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from buergerbuero.catalog.models import Office, Service
from buergerbuero.core.errors import DomainError, NotFound
from buergerbuero.core.i18n import sort_key


def offices() -> QuerySet[Office]:
    return Office.objects.select_related("reference_service").order_by("name")


def office_by_slug(slug: str, *, with_reference: bool = False) -> Office:
    """One office by its slug: a plain read of its row (every availability request makes it); the reference
    service joined only where it is shown (`with_reference`)."""
    if with_reference:
        office = Office.objects.select_related("reference_service").filter(slug=slug).first()
    else:
        office = _office_row(slug)
    if office is None:
        raise NotFound(_("Diesen Standort gibt es nicht."), field="office")
    return office


_OFFICE_READS: dict[str, tuple[str, list[str], list[tuple]]] = {}


def _office_row(slug: str) -> Office | None:
    """`Office.objects.filter(slug=slug).first()` without building the ORM query each time (it cost as much as
    the rest of reading one day's free times): the statement and the column converters are made once per
    database backend from the model's fields, the instance by `Office.from_db` as the ORM does."""
    read = _OFFICE_READS.get(connection.vendor)
    if read is None:
        fields = Office._meta.concrete_fields
        quote, table = connection.ops.quote_name, Office._meta.db_table
        converters = []
        for n, field in enumerate(fields):
            column = field.get_col(table)
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if functions:
                converters.append((n, column, functions))
        # a concrete field's column is never None (the stubs type the attribute for all fields)
        columns = ", ".join(quote(f.column or f.attname) for f in fields)
        sql = f"SELECT {columns} FROM {quote(table)} WHERE {quote('slug')} = %s"
        read = _OFFICE_READS[connection.vendor] = (sql, [f.attname for f in fields], converters)
    sql, names, converters = read
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for n, column, functions in converters:
        for convert in functions:
            values[n] = convert(values[n], column, connection)
    return Office.from_db(connection.alias, names, values)


def services(*, office: Office | None = None, online_only: bool = False) -> QuerySet[Service]:
    qs = Service.objects.all()
    if office is not None:
        qs = qs.filter(office_services__office=office, office_services__active=True)
    if online_only:
        qs = qs.filter(bookable_online=True)
    return qs.order_by("name_de")


def in_name_order(items) -> list[Service]:
    """Services in dictionary order of their name in the active language (the database sorts German bytes)."""
    return sorted(items, key=lambda s: sort_key(s.name))


def office_by_id(pk: int) -> Office:
    return Office.objects.get(pk=pk)


def offices_by_slug(slugs: list[str]) -> list[Office]:
    return list(offices().filter(slug__in=slugs))


def offices_among(offices_: list[Office]) -> QuerySet[Office]:
    """The given offices as a queryset (for a form's choice field)."""
    return offices().filter(pk__in=[o.pk for o in offices_])


def municipality_services(municipality_id: int) -> QuerySet[Service]:
    """The services some office of the municipality offers."""
    return Service.objects.filter(office_services__office__organisation_id=municipality_id).distinct()


def service_by_slug(slug: str, *, field: str = "services") -> Service:
    service = Service.objects.filter(slug=slug).first()
    if service is None:
        raise NotFound(_("Diese Leistung gibt es nicht."), field=field)
    return service


def check_slugs(service_slugs: list[str]) -> None:
    """Raise, naming the reason, unless the slugs name distinct existing services (at least one)."""
    if not service_slugs:
        raise DomainError(_("Bitte mindestens eine Leistung wählen."), field="services")
    if len(set(service_slugs)) != len(service_slugs):
        raise DomainError(_("Jede Leistung bitte nur einmal wählen."), field="services")
    known = set(Service.objects.filter(slug__in=service_slugs).values_list("slug", flat=True))
    if len(known) != len(service_slugs):
        raise NotFound(_("Diese Leistung gibt es nicht."), field="services")
