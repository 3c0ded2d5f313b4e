"""The test persons, login methods and login page of the local identity providers (SAML and OpenID Connect)."""

import html

from buergerbuero.applications.identity.base import TrustLevel
from buergerbuero.applications.local_servers import page

METHODS = {
    "password": ("Benutzername und Passwort", TrustLevel.BASIC),
    "elster": ("ELSTER-Zertifikat", TrustLevel.SUBSTANTIAL),
    "eid": ("Online-Ausweis (eID)", TrustLevel.HIGH),
}

# Test persons (invented). Attribute names as BundID sends them.
PERSONS = {
    "erika": {
        "urn:oid:1.3.6.1.4.1.25484.494450.3": "bpk2-test-erika-mustermann",
        "urn:oid:2.5.4.42": "Erika",
        "urn:oid:2.5.4.4": "Mustermann",
        "urn:oid:1.3.6.1.5.5.7.9.1": "1964-08-12",
        "urn:oid:2.5.4.9": "Europaplatz 5",
        "urn:oid:2.5.4.17": "44575",
        "urn:oid:2.5.4.7": "Castrop-Rauxel",
        "urn:oid:1.3.6.1.5.5.7.9.5": "D",
        "urn:oid:1.3.6.1.5.5.7.9.4": "D",
        "urn:oid:0.9.2342.19200300.100.1.3": "erika.mustermann@example.org",
    },
    "leon": {
        "urn:oid:1.3.6.1.4.1.25484.494450.3": "bpk2-test-leon-beispiel",
        "urn:oid:2.5.4.42": "Leon",
        "urn:oid:2.5.4.4": "Beispiel",
        "urn:oid:1.3.6.1.5.5.7.9.1": "2009-03-01",
        "urn:oid:2.5.4.9": "Wittener Straße 12",
        "urn:oid:2.5.4.17": "44577",
        "urn:oid:2.5.4.7": "Castrop-Rauxel",
        "urn:oid:1.3.6.1.5.5.7.9.5": "D",
        "urn:oid:1.3.6.1.5.5.7.9.4": "D",
        "urn:oid:0.9.2342.19200300.100.1.3": "leon.beispiel@example.org",
    },
}


def login_page(title: str, intro: str, *, action: str, hidden: dict[str, str]) -> str:
    """The page where the tester picks a test person and a login method (which sets the trust level)."""
    persons = "".join(
        f'<label><input type="radio" name="person" value="{k}"{" checked" if i == 0 else ""}> '
        f"{html.escape(p['urn:oid:2.5.4.42'])} {html.escape(p['urn:oid:2.5.4.4'])} "
        f"(geb. {p['urn:oid:1.3.6.1.5.5.7.9.1']})</label><br>"
        for i, (k, p) in enumerate(PERSONS.items())
    )
    methods = "".join(
        f'<button type="submit" name="method" value="{k}">Anmelden mit {html.escape(label)}</button> '
        for k, (label, _level) in METHODS.items()
    )
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in hidden.items()
    )
    return page(
        title,
        f'{intro}<form method="post" action="{html.escape(action)}">{fields}'
        f"<fieldset><legend>Testperson</legend>{persons}</fieldset><p>{methods}</p></form>",
    )
