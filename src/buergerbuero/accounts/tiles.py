"""The tools of the staff start page (/intern/) and of the staff navigation bar: one entry per tool.

Each tile asks the same predicate the tool's own access check asks (accounts.selectors, the call center's
Viewer, the operations page's `may_operate`), so a person sees exactly the tiles of the tools they may open and
no tile ever leads to a refusal. A tool per office (reception, counter, call display, committee report) gets one
link per office the person may use it at. A new tool adds one `Tile(...)` to TILES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from buergerbuero.accounts import selectors


@dataclass(frozen=True)
class Tile:
    key: str
    title: Promise
    description: Promise
    url_name: str
    allowed: Callable | None = None  # allowed(user) -> bool, for a tool without an office
    at_office: Callable | None = None  # at_office(user, office) -> bool: one link per office where true


@dataclass(frozen=True)
class Link:
    key: str
    title: str
    description: str
    url: str
    office: str = ""


def _callcenter(ability: str) -> Callable:
    def allowed(user) -> bool:
        from buergerbuero.callcenter import selectors as callcenter_selectors

        viewer = callcenter_selectors.viewer(user)
        return viewer is not None and viewer.can(ability)

    return allowed


def _operator(user) -> bool:
    from buergerbuero.background import selectors as background_selectors

    return background_selectors.may_operate(user)


def _admin(user) -> bool:
    """The Django admin shows something only to staff with at least one model permission (or superusers)."""
    return user.is_active and user.is_staff and (user.is_superuser or bool(user.get_all_permissions()))


TILES: list[Tile] = [
    Tile(
        "reception",
        _("Empfang"),
        _("Nummern ausgeben, Termine einchecken, Warteschlange sehen"),
        "queue:reception",
        at_office=selectors.may_use_reception,
    ),
    Tile(
        "counter",
        _("Arbeitsplatz am Schalter"),
        _("Am Schalter anmelden, aufrufen und bedienen"),
        "queue:workstation",
        at_office=selectors.may_serve_at_counter,
    ),
    Tile(
        "display",
        _("Aufrufanzeige"),
        _("Die Anzeige im Wartebereich öffnen (für den Bildschirm)"),
        "queue:display",
        at_office=selectors.may_use_reception,
    ),
    Tile(
        "applications",
        _("Online-Anträge"),
        _("Vorabanträge prüfen und entscheiden (Backoffice)"),
        "applications:staff_list",
        allowed=selectors.may_process_applications,
    ),
    Tile(
        "callcenter",
        _("Callcenter-Arbeitsplatz"),
        _("Wissensdatenbank, Anrufe erfassen, Termine buchen"),
        "callcenter:workspace",
        allowed=_callcenter("kb_read"),
    ),
    Tile(
        "callbacks",
        _("Rückrufe"),
        _("Rückrufwünsche aus dem Callcenter"),
        "callcenter:tickets",
        allowed=_callcenter("ticket_read"),
    ),
    Tile(
        "callcenter_numbers",
        _("Callcenter: Kennzahlen und Abrechnung"),
        _("Servicelevel, Anrufe und Monatsabrechnung"),
        "callcenter:numbers",
        allowed=_callcenter("numbers"),
    ),
    Tile(
        "insights",
        _("Kennzahlen"),
        _("Vorlaufzeit, Auslastung und Wartezeiten je Standort"),
        "insights:index",
        allowed=selectors.may_see_insights,
    ),
    Tile(
        "report",
        _("Bericht für den Betriebsausschuss"),
        _("Bericht über einen Zeitraum, auch als PDF"),
        "insights:report",
        at_office=selectors.may_see_office_insights,
    ),
    Tile(
        "planning",
        _("Planung"),
        _("Was wäre, wenn: Maßnahmen gegen lange Vorlaufzeiten durchrechnen"),
        "planning:index",
        allowed=selectors.may_plan,
    ),
    Tile(
        "operations",
        _("Betrieb"),
        _("Fehlgeschlagene Nachrichten, geplante Aufgaben, Hintergrundprozesse"),
        "background:index",
        allowed=_operator,
    ),
    Tile(
        "audit_log",
        _("Zugriffsprotokoll"),
        _("Wer hat wann welche personenbezogenen Daten gelesen (Auskunft nach Art. 15 DSGVO)"),
        "privacy:audit_log",
        allowed=selectors.may_read_audit_log,
    ),
    Tile(
        "admin",
        _("Verwaltung (Admin)"),
        _("Standorte, Leistungen, Mitarbeitende und Stammdaten pflegen"),
        "admin:index",
        allowed=_admin,
    ),
]


def _offices(user):
    from buergerbuero.catalog import selectors as catalog_selectors

    return list(catalog_selectors.offices())


def links_for(user) -> list[Link]:
    """The tools this user may open, in the order of TILES (per-office tools once per office)."""
    if user is None or not user.is_authenticated:
        return []
    links: list[Link] = []
    offices = None
    for tile in TILES:
        if tile.at_office is not None:
            if offices is None:
                offices = _offices(user)
            for office in offices:
                if tile.at_office(user, office):
                    url = reverse(tile.url_name, args=[office.slug])
                    links.append(Link(tile.key, str(tile.title), str(tile.description), url, office.name))
        elif tile.allowed is not None and tile.allowed(user):
            links.append(Link(tile.key, str(tile.title), str(tile.description), reverse(tile.url_name)))
    return links
