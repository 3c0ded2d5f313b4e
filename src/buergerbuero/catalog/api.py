from decimal import Decimal

from ninja import Field, Router, Schema

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
    fee_note_en: str = Field(description="Englischer Hinweis zur Gebühr; leer: der deutsche gilt")
    documents: list[str]
    documents_en: list[str] = Field(description="Mitzubringen auf Englisch; leer: die deutsche Liste gilt")
    bookable_online: bool
    max_persons: int

    @staticmethod
    def resolve_documents(service) -> list[str]:
        return [line.strip() for line in service.required_documents.splitlines() if line.strip()]

    @staticmethod
    def resolve_documents_en(service) -> list[str]:
        return [line.strip() for line in service.required_documents_en.splitlines() if line.strip()]


@router.get("/offices", response=list[OfficeOut], summary="Alle Standorte")
def list_offices(request):
    return list(selectors.offices())


@router.get("/offices/{slug}", response=OfficeOut, summary="Ein Standort")
def get_office(request, slug: str):
    return selectors.office_by_slug(slug, with_reference=True)


@router.get("/services", response=list[ServiceOut], summary="Leistungen (optional eines Standorts)")
def list_services(request, office: str | None = None):
    return list(selectors.services(office=selectors.office_by_slug(office) if office else None))
