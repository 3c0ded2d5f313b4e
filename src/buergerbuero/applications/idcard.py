"""The ID-card pre-application (Vorantrag Personalausweis): its form as data and the rules across fields.

Pure (no ORM). A Personalausweis cannot be applied for fully online (PAuswG § 9: fingerprints and signature
are taken in the office), so this captures everything else ahead and the citizen books a short visit.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from buergerbuero.applications import fees

if TYPE_CHECKING:
    import numpy as np

PHOTO_CODE = r"[A-Z0-9][A-Z0-9-]{5,63}"
# Under 16 a person applies with a guardian (PAuswG § 9 Abs. 1): the guardian's details are asked then.
GUARDIAN_BELOW_AGE = 16
GUARDIAN_FIELDS = ("guardian_name", "guardian_relation", "guardian_phone")


def L(de: str, en: str) -> dict:
    return {"de": de, "en": en}


FORM = {
    "fields": [
        {
            "name": "given_name",
            "type": "text",
            "required": True,
            "max_length": 100,
            "prefill": "given_name",
            "locked_when_identified": True,
            "label": L("Vorname(n)", "Given name(s)"),
        },
        {
            "name": "family_name",
            "type": "text",
            "required": True,
            "max_length": 100,
            "prefill": "family_name",
            "locked_when_identified": True,
            "label": L("Familienname", "Family name"),
        },
        {
            "name": "birth_name",
            "type": "text",
            "max_length": 100,
            "label": L("Geburtsname", "Name at birth"),
            "help": L("Nur, wenn er vom Familiennamen abweicht.", "Only if different from the family name."),
        },
        {
            "name": "birth_date",
            "type": "date",
            "required": True,
            "min": "1900-01-01",
            "max": "today",
            "prefill": "birth_date",
            "locked_when_identified": True,
            "label": L("Geburtsdatum", "Date of birth"),
        },
        {
            "name": "birth_place",
            "type": "text",
            "required": True,
            "max_length": 100,
            "label": L("Geburtsort", "Place of birth"),
        },
        {
            "name": "street",
            "type": "text",
            "required": True,
            "max_length": 150,
            "prefill": "street",
            "label": L("Straße und Hausnummer", "Street and number"),
        },
        {
            "name": "postcode",
            "type": "text",
            "required": True,
            "pattern": r"\d{5}",
            "prefill": "postcode",
            "pattern_message": L("Die Postleitzahl hat fünf Ziffern.", "A postcode has five digits."),
            "label": L("PLZ", "Postcode"),
        },
        {
            "name": "city",
            "type": "text",
            "required": True,
            "max_length": 100,
            "prefill": "city",
            "label": L("Ort", "Town"),
        },
        {
            "name": "email",
            "type": "email",
            "required": True,
            "prefill": "email",
            "max_length": 254,
            "label": L("E-Mail-Adresse", "E-mail address"),
            "help": L("Für Rückfragen und die Terminbestätigung.", "For questions and the appointment."),
        },
        {
            "name": "reason",
            "type": "choice",
            "required": True,
            "label": L("Anlass", "Reason"),
            "choices": [
                {"value": "expiry", "label": L("Der bisherige Ausweis läuft ab", "My card expires")},
                {"value": "loss", "label": L("Verlust oder Diebstahl", "Lost or stolen")},
                {"value": "first", "label": L("Erster Personalausweis", "First ID card")},
            ],
        },
        {
            "name": "photo",
            "type": "choice",
            "required": True,
            "label": L("Lichtbild", "Photo"),
            "help": L(
                "Seit 1. Mai 2025 nur digital: Code vom Fotostudio oder Foto bei uns (6 €).",
                "Since 1 May 2025 digital only: code from the photographer or photo taken here (6 €).",
            ),
            "choices": [
                {"value": "code", "label": L("Ich habe einen E-Passfoto-Code", "I have an e-photo code")},
                {
                    "value": "office",
                    "label": L("Foto im Bürgerbüro aufnehmen (6 €)", "Photo taken in the office (6 €)"),
                },
            ],
        },
        {
            "name": "photo_code",
            "type": "text",
            "normalize": "code",
            "max_length": 64,
            "pattern": PHOTO_CODE,
            "pattern_message": L(
                "Der Code besteht aus 6 bis 64 Buchstaben, Ziffern oder Bindestrichen.",
                "The code has 6 to 64 letters, digits or hyphens.",
            ),
            "label": L("E-Passfoto-Code", "E-photo code"),
            "help": L(
                "Abtippen – oder unten ein Foto des DataMatrix-/QR-Codes hochladen.",
                "Type it – or upload a picture of the DataMatrix/QR code below.",
            ),
        },
        {
            "name": "photo_code_image",
            "type": "file",
            "accept": ["image/png", "image/jpeg"],
            "max_bytes": 5 * 1024 * 1024,
            "label": L("Bild des Foto-Codes", "Picture of the photo code"),
        },
        {
            "name": "delivery",
            "type": "choice",
            "required": True,
            "label": L("Zustellung", "Delivery"),
            "choices": [
                {"value": "pickup", "label": L("Abholung im Bürgerbüro", "Pick-up at the office")},
                {
                    "value": "direct",
                    "label": L(
                        "Direktversand nach Hause (+15 €, ab 16 Jahren)", "Sent to my home (+15 €, from age 16)"
                    ),
                },
            ],
        },
        {
            "name": "second_id",
            "type": "text",
            "required_if": {"delivery": "direct"},
            "max_length": 100,
            "label": L("Zweites gültiges Ausweisdokument (Art und Nummer)", "Second valid ID (type and number)"),
            "help": L(
                "Für den Direktversand nötig, z. B. „Reisepass C01X00T47“.",
                "Needed for home delivery, e.g. “passport C01X00T47”.",
            ),
        },
        {
            "name": "guardian_name",
            "type": "text",
            "max_length": 150,
            "label": L("Name der sorgeberechtigten Person", "Name of the parent or guardian"),
            "help": L(
                "Nur unter 16 Jahren: Sie kommt mit zum Termin.",
                "Only under 16: they come along to the appointment.",
            ),
        },
        {
            "name": "guardian_relation",
            "type": "choice",
            "label": L("Sorgeberechtigt als", "Guardian as"),
            "choices": [
                {"value": "parent", "label": L("Elternteil", "Parent")},
                {"value": "guardian", "label": L("Vormund", "Legal guardian")},
            ],
        },
        {
            "name": "guardian_phone",
            "type": "text",
            "max_length": 40,
            "pattern": r"\+?[0-9 /()-]{6,40}",
            "pattern_message": L("Bitte geben Sie eine Telefonnummer an.", "Please enter a phone number."),
            "label": L("Telefon der sorgeberechtigten Person", "Phone of the parent or guardian"),
        },
        {
            "name": "consent",
            "type": "checkbox",
            "required": True,
            "label": L("Meine Angaben sind richtig und vollständig.", "My details are correct and complete."),
        },
    ]
}


def normalise_code(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def read_photo_code(image: np.ndarray) -> str | None:
    """The text of the first DataMatrix or QR code in the picture (zxing-cpp), or None."""
    import zxingcpp  # loaded for a photo only, not by every process that imports the form

    formats = zxingcpp.BarcodeFormat.DataMatrix | zxingcpp.BarcodeFormat.QRCode
    for result in zxingcpp.read_barcodes(image, formats=formats):
        text = normalise_code(result.text)
        if text and re.fullmatch(PHOTO_CODE, text):
            return text
    return None


def first_allowed_day(values: dict) -> dt.date | None:
    """Direktversand needs age 16 on the day of the visit: such an applicant may come from their 16th birthday."""
    if values.get("delivery") != "direct":
        return None
    try:
        birth_date = dt.date.fromisoformat(values.get("birth_date", ""))
    except ValueError:
        return None
    return fees.birthday(birth_date, fees.DIRECT_DELIVERY_MIN_AGE)


def fee_on(values: dict, *, visit_day: dt.date) -> fees.Fee:
    """The fee as it will be decided at the visit: age and rates of `visit_day` (raises fees.FeeError)."""
    return fees.id_card_fee(
        birth_date=dt.date.fromisoformat(values["birth_date"]),
        application_date=visit_day,
        direct_delivery=values.get("delivery") == "direct",
        photo_in_office=values.get("photo") == "office",
    )


def cross_check(values: dict, *, visit_day: dt.date) -> tuple[dict[str, str], fees.Fee | None]:
    """Rules across fields once each field is valid on its own: photo, delivery, guardian, fee.

    Age rules and the fee are decided for the day of the visit (the earliest bookable day until an appointment is
    chosen), not the day of the pre-application: ID-card law looks at the applicant on the day they appear.
    A second ID is only asked for Direktversand; with pick-up it is not kept (data minimisation)."""
    errors: dict[str, str] = {}
    if values.get("photo") == "code" and not values.get("photo_code"):
        errors["photo_code"] = _("Bitte geben Sie den E-Passfoto-Code ein oder laden Sie ein Bild des Codes hoch.")
    if values.get("delivery") != "direct":
        values["second_id"] = ""
    fee = None
    if "birth_date" in values:
        birth_date = dt.date.fromisoformat(values["birth_date"])
        if fees.age_on(birth_date, visit_day) < GUARDIAN_BELOW_AGE:
            for name in GUARDIAN_FIELDS:
                if not values.get(name):
                    errors[name] = _("Unter 16 Jahren stellen Sie den Antrag mit einer sorgeberechtigten Person.")
        else:
            for name in GUARDIAN_FIELDS:
                values[name] = ""
        try:
            fee = fee_on(values, visit_day=visit_day)
        except fees.FeeError as exc:
            errors[exc.field] = (
                _("Direktversand ist erst ab 16 Jahren möglich. Bitte wählen Sie die Abholung.")
                if exc.field == "delivery"
                else _("Dieses Datum ist hier nicht möglich.")
            )
    return errors, fee
