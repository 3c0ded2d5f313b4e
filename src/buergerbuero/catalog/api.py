from decimal import Decimal

from ninja import Router, Schema

from buergerbuero.catalog import selectors

router = Router(tags=["Katalog"])


class OfficeOut(Schema):
    slug: str
    name: str
    street: str
    postcode: str
    city: str
    timezone: str
    land: str
    reference_service: str | None
    horizon_days: int
    slot_minutes: int

    @staticmethod
    def resolve_reference_service(office) -> str | None:
        return office.reference_service.slug if office.reference_service else None


class ServiceOut(Schema):
    slug: str
    leika_key: str
    name_de: str
    name_en: str
    handling_minutes: int
    fee: Decimal
    fee_note: str
    documents: list[str]
    bookable_online: bool
    max_persons: int


@router.get("/offices", response=list[OfficeOut], summary="Alle Standorte")
def list_offices(request):
    return list(selectors.offices())


@router.get("/offices/{slug}", response=OfficeOut, summary="Ein Standort")
def get_office(request, slug: str):
    return selectors.office_by_slug(slug)


@router.get("/services", response=list[ServiceOut], summary="Leistungen (optional eines Standorts)")
def list_services(request, office: str | None = None):
    return list(selectors.services(office=selectors.office_by_slug(office) if office else None))
