"""Meldebescheinigung (certificate of registration) fully online: the form as data.

Pure (no ORM). The person's data comes only from the eID (trust level hoch); the citizen chooses the kind
of certificate. In a real office the register (e.g. via OSCI-XMeld) is checked before issuing; here the
identity attributes vouched for by the eID are what the certificate states (see docs/online-services.md).
"""


def L(de: str, en: str) -> dict:
    return {"de": de, "en": en}


FORM = {
    "fields": [
        {
            "name": "kind",
            "type": "choice",
            "required": True,
            "label": L("Art der Bescheinigung", "Kind of certificate"),
            "choices": [
                {"value": "simple", "label": L("Einfache Meldebescheinigung", "Simple certificate")},
                {"value": "extended", "label": L("Erweiterte Meldebescheinigung", "Extended certificate")},
            ],
        },
        {
            "name": "purpose",
            "type": "text",
            "max_length": 200,
            "label": L("Verwendungszweck (freiwillig)", "Purpose (optional)"),
        },
        {
            "name": "email",
            "type": "email",
            "required": True,
            "prefill": "email",
            "max_length": 254,
            "label": L("E-Mail-Adresse", "E-mail address"),
        },
        {
            "name": "consent",
            "type": "checkbox",
            "required": True,
            "label": L("Die Gebühr von 10 € wird fällig.", "The fee of 10 € is due."),
        },
    ]
}
