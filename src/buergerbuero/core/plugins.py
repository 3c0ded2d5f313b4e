"""The plugin registry behind every external system (identity providers, payment platforms; later an SMS
gateway): a contract (``base.py``), one registry, and ``contrib/<provider>/`` modules that register their class
under a key. Which plugins an installation offers is a setting listing their dotted paths; importing them
registers them.

    PROVIDERS = PluginRegistry("IDENTITY_PROVIDERS", kind="identity provider")

    @PROVIDERS.register("bundid")
    class BundIDProvider(IdentityProvider): ...
"""

from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string


class PluginRegistry[T: type]:
    def __init__(self, setting: str, *, kind: str):
        self.setting = setting
        self.kind = kind  # for the message about a key registered twice
        self._classes: dict[str, T] = {}

    def register(self, key: str) -> Callable[[T], T]:
        """Class decorator: the plugin answers to `key` (also set as its `key` attribute)."""

        def decorator(cls: T) -> T:
            if key in self._classes and self._classes[key] is not cls:
                raise ValueError(f"{self.kind} {key!r} registered twice")
            setattr(cls, "key", key)  # noqa: B010 - any class may be a plugin; it gains the attribute here
            self._classes[key] = cls
            return cls

        return decorator

    def configured(self) -> list[T]:
        """The classes the setting names, in its order (importing them registers them)."""
        return [import_string(path) for path in getattr(settings, self.setting, [])]

    def registered(self) -> dict[str, T]:
        """Every registered class by key, after the configured ones have been imported."""
        self.configured()
        return dict(self._classes)

    def find(self, key: str, *, configured_only: bool = False) -> T | None:
        """The class registered under `key`; with `configured_only` only if the setting names it."""
        classes = self.registered()
        cls = classes.get(key)
        if cls is None or (configured_only and cls not in self.configured()):
            return None
        return cls
