"""The demo city's office, counters and services (LeiKa keys from the public catalogue)."""

from decimal import Decimal

from buergerbuero.catalog.models import Counter, Office, OfficeService, Service
from buergerbuero.core.demo import DemoCity

# slug, LeiKa, German name, English name, minutes, fee, fee note, documents, online, max persons
SERVICES = [
    (
        "personalausweis",
        "99008001000000",
        "Personalausweis beantragen",
        "Apply for an ID card",
        20,
        "46.00",
        "27,60 € unter 24 Jahren",
        "Bisheriger Ausweis oder Reisepass\nBiometrisches Lichtbild (E-Passfoto-Code)\n"
        "Bei Minderjährigen: Zustimmung der Sorgeberechtigten",
        True,
        4,
    ),
    (
        "reisepass",
        "99085001000000",
        "Reisepass beantragen",
        "Apply for a passport",
        20,
        "70.00",
        "37,50 € unter 24 Jahren",
        "Bisheriger Pass oder Personalausweis\nBiometrisches Lichtbild (E-Passfoto-Code)",
        True,
        4,
    ),
    (
        "vorlaeufiger-reisepass",
        "99085001012005",
        "Vorläufiger Reisepass",
        "Temporary passport",
        20,
        "26.00",
        "",
        "Personalausweis\nBiometrisches Lichtbild",
        True,
        1,
    ),
    (
        "verlust-personalausweis",
        "99008001014002",
        "Verlust oder Diebstahl des Personalausweises melden",
        "Report a lost or stolen ID card",
        10,
        "0.00",
        "",
        "Anderes Ausweisdokument, falls vorhanden\nPolizeiliche Anzeige bei Diebstahl",
        True,
        1,
    ),
    (
        "wohnsitz-anmelden",
        "99115005000000",
        "Wohnsitz anmelden (Ummeldung)",
        "Register your address",
        20,
        "0.00",
        "",
        "Personalausweis oder Reisepass\nWohnungsgeberbestätigung",
        True,
        5,
    ),
    (
        "wohnsitz-abmelden",
        "99115005070000",
        "Wohnsitz abmelden",
        "Deregister your address",
        10,
        "0.00",
        "",
        "Personalausweis oder Reisepass",
        True,
        5,
    ),
    (
        "meldebescheinigung",
        "99115003000000",
        "Meldebescheinigung",
        "Certificate of registration",
        10,
        "10.00",
        "",
        "Personalausweis oder Reisepass",
        True,
        1,
    ),
    (
        "melderegisterauskunft",
        "99115004000000",
        "Melderegisterauskunft",
        "Information from the population register",
        10,
        "10.00",
        "",
        "Personalausweis",
        True,
        1,
    ),
    (
        "auskunftssperre",
        "99115002060001",
        "Auskunftssperre beantragen",
        "Block disclosure of your data",
        10,
        "0.00",
        "",
        "Personalausweis\nNachweis der Gefährdung",
        True,
        1,
    ),
    (
        "fuehrungszeugnis",
        "99049001000000",
        "Führungszeugnis beantragen",
        "Apply for a certificate of good conduct",
        10,
        "13.00",
        "",
        "Personalausweis oder Reisepass",
        True,
        1,
    ),
    (
        "beglaubigung",
        "99014002035000",
        "Beglaubigung von Dokumenten",
        "Certification of copies",
        10,
        "5.00",
        "je Seite",
        "Original und Kopie",
        True,
        1,
    ),
    (
        "fundsache",
        "99089017152000",
        "Fundsache abholen",
        "Collect lost property",
        10,
        "0.00",
        "",
        "Personalausweis\nBeschreibung des Gegenstands",
        True,
        1,
    ),
    (
        "bewohnerparkausweis",
        "99108001000000",
        "Bewohnerparkausweis",
        "Residents' parking permit",
        10,
        "30.00",
        "",
        "Fahrzeugschein\nPersonalausweis",
        True,
        1,
    ),
]

COUNTERS = 6

# The English of the notes and documents above (a service without them shows the German text).
ENGLISH = {
    "": "",
    "27,60 € unter 24 Jahren": "€27.60 under 24",
    "37,50 € unter 24 Jahren": "€37.50 under 24",
    "je Seite": "per page",
    "Bisheriger Ausweis oder Reisepass": "Your current ID card or passport",
    "Biometrisches Lichtbild (E-Passfoto-Code)": "Biometric photo (e-passport photo code)",
    "Bei Minderjährigen: Zustimmung der Sorgeberechtigten": "For minors: consent of the parents or guardians",
    "Bisheriger Pass oder Personalausweis": "Your current passport or ID card",
    "Personalausweis": "ID card",
    "Biometrisches Lichtbild": "Biometric photo",
    "Anderes Ausweisdokument, falls vorhanden": "Another identity document, if you have one",
    "Polizeiliche Anzeige bei Diebstahl": "Police report if it was stolen",
    "Personalausweis oder Reisepass": "ID card or passport",
    "Wohnungsgeberbestätigung": "Landlord's confirmation (Wohnungsgeberbestätigung)",
    "Nachweis der Gefährdung": "Proof of the threat",
    "Original und Kopie": "Original and copy",
    "Beschreibung des Gegenstands": "Description of the item",
    "Fahrzeugschein": "Vehicle registration certificate",
}


def load(city: DemoCity) -> None:
    office = Office.objects.create(
        organisation=city.objects["organisations"]["city"],
        slug="castrop-rauxel",
        name="Bürgerbüro Castrop-Rauxel",
        street="Europaplatz 1 (Rathaus)",
        postcode="44575",
        city="Castrop-Rauxel",
        land="NW",
    )
    services = {}
    for slug, leika, de, en, minutes, fee, note, docs, online, persons in SERVICES:
        services[slug] = Service.objects.create(
            slug=slug,
            leika_key=leika,
            name_de=de,
            name_en=en,
            handling_minutes=minutes,
            fee=Decimal(fee),
            fee_note=note,
            fee_note_en=ENGLISH.get(note, ""),
            required_documents=docs,
            required_documents_en="\n".join(ENGLISH[line] for line in docs.splitlines()),
            bookable_online=online,
            max_persons=persons,
        )
        OfficeService.objects.create(office=office, service=services[slug])
    office.reference_service = services["personalausweis"]
    office.save(update_fields=["reference_service"])
    counters = [Counter.objects.create(office=office, number=n, name=f"Schalter {n}") for n in range(1, COUNTERS + 1)]
    city.objects.update(office=office, services=services, counters=counters)
