"""Demo planning scenario: the demo city as it is today and the measures of 2019 to try (not switched on).

Its first run is queued when the demo data is committed, so the managers' page has a result to start from.
"""

from django.contrib.auth import get_user_model

from buergerbuero.core.demo import DemoCity
from buergerbuero.planning import services

DEFINITION = {
    "description": "Ausgangslage ohne Maßnahmen; Serviceabend, Vorantrag und Callcenter zum Optimieren vorbereitet",
    "run": {"months": 12, "replications": 200, "optimise_replications": 50},
    "assumptions": {"demand_scale": 1.1, "evening_preference": 0.15},
    "measures": [
        {
            "kind": "service_evening",
            "weekday": 1,
            "start": "16:00",
            "end": "19:30",
            "counters": 2,
            "enabled": False,
            "optimise": True,
        },
        {
            "kind": "pre_application",
            "service": "personalausweis",
            "minutes": 10,
            "uptake": 0.5,
            "fixed_eur": 15000,
            "enabled": False,
            "optimise": True,
        },
        {
            "kind": "partner_call_center",
            "freed_hours_per_week": 30,
            "calls_per_week": 700,
            "price_per_call_eur": 4.5,
            "enabled": False,
            "optimise": True,
        },
        {"kind": "year_end_closure", "closed_days": 0, "enabled": False, "optimise": True},
    ],
}


def load(city: DemoCity) -> None:
    manager = get_user_model().objects.filter(username="leitung").first()
    scenario = services.save_scenario(
        office=city.objects["office"], name="Heute, ohne Maßnahmen", definition=DEFINITION, user=manager
    )
    services.start_run(scenario=scenario, user=manager)
