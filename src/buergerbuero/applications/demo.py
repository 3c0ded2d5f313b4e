"""Demo online services: the ID-card pre-application with its short appointment and the online Meldebescheinigung."""

from decimal import Decimal

from buergerbuero.applications import idcard, registration
from buergerbuero.applications.identity.base import TrustLevel
from buergerbuero.applications.models import OnlineService
from buergerbuero.catalog.models import OfficeService, Service
from buergerbuero.core.demo import DemoCity

SHORT_MINUTES = 10  # the plain ID-card service takes 20: the pre-application halves the visit


def load(city: DemoCity) -> None:
    office = city.objects["office"]
    services = city.objects["services"]
    short = Service.objects.create(
        slug="personalausweis-vorantrag",
        leika_key="99008001000000",
        name_de="Personalausweis mit Vorantrag",
        name_en="ID card with online pre-application",
        handling_minutes=SHORT_MINUTES,
        fee=Decimal("46.00"),
        fee_note="Gebühr wurde im Vorantrag berechnet",
        fee_note_en="The fee was worked out in the pre-application",
        required_documents="Bisheriger Ausweis oder Reisepass\nVorgangsnummer des Vorantrags",
        required_documents_en="Your current ID card or passport\nReference number of the pre-application",
        bookable_online=True,
        max_persons=1,
    )
    OfficeService.objects.create(office=office, service=short)
    services[short.slug] = short
    OnlineService.objects.create(
        slug="personalausweis",
        kind=OnlineService.Kind.ID_CARD_PRE_APPLICATION,
        service=services["personalausweis"],
        appointment_service=short,
        title_de="Personalausweis: Vorantrag und kurzer Termin",
        title_en="ID card: pre-application and a short appointment",
        trust_level=None,
        form_schema=idcard.FORM,
        retention_days=30,
        draft_retention_days=14,
        sla_days=3,
    )
    OnlineService.objects.create(
        slug="meldebescheinigung",
        kind=OnlineService.Kind.REGISTRATION_CERTIFICATE,
        service=services["meldebescheinigung"],
        appointment_service=None,
        title_de="Meldebescheinigung online",
        title_en="Certificate of registration online",
        trust_level=int(TrustLevel.HIGH),
        form_schema=registration.FORM,
        retention_days=90,
        sla_days=1,
    )
