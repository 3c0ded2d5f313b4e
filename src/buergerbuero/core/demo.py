"""Demo data: each app may ship `<app>/demo.py` with `load(city: DemoCity)`; they run in INSTALLED_APPS order.

The core loads nothing itself; it finds the apps' loaders so that a new app brings its own demo data
without touching anybody else's file.
"""

import datetime as dt
import importlib
from dataclasses import dataclass, field

from django.apps import apps


@dataclass
class DemoCity:
    """Shared context between the apps' demo loaders (objects created earlier, the reference day)."""

    today: dt.date
    seed: int = 2019
    objects: dict = field(default_factory=dict)


def loaders():
    for config in apps.get_app_configs():
        if not config.name.startswith("buergerbuero."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if module.__name__ != __name__:
            yield config.label, module.load
