"""The one plugin registry behind identity providers and payment platforms (core/plugins.py)."""

import sys
import types

import pytest

from buergerbuero.applications.identity import registry as identity_registry
from buergerbuero.applications.payment import registry as payment_registry
from buergerbuero.core.errors import NotFound
from buergerbuero.core.plugins import PluginRegistry


@pytest.fixture
def plugins(settings, monkeypatch):
    """A registry of its own over a module that registers two plugins when imported."""
    registry = PluginRegistry("TEST_PLUGINS", kind="test plugin")
    module = types.ModuleType("tests_core_plugins_contrib")

    @registry.register("alpha")
    class Alpha:
        pass

    @registry.register("beta")
    class Beta:
        pass

    module.Alpha, module.Beta = Alpha, Beta
    monkeypatch.setitem(sys.modules, module.__name__, module)
    settings.TEST_PLUGINS = [f"{module.__name__}.Beta"]
    return registry, Alpha, Beta


def test_a_registered_class_answers_to_its_key(plugins):
    registry, alpha, beta = plugins
    assert alpha.key == "alpha" and registry.find("alpha") is alpha
    assert registry.registered() == {"alpha": alpha, "beta": beta}
    assert registry.find("gamma") is None


def test_configured_only_offers_what_the_setting_names_in_its_order(plugins):
    registry, _alpha, beta = plugins
    assert registry.configured() == [beta]
    assert registry.find("beta", configured_only=True) is beta
    assert registry.find("alpha", configured_only=True) is None


def test_a_key_taken_by_another_class_is_refused(plugins):
    registry, _alpha, _beta = plugins
    with pytest.raises(ValueError, match="test plugin 'alpha' registered twice"):

        @registry.register("alpha")
        class Impostor:
            pass


def test_identity_offers_only_configured_providers_payment_every_registered_one(settings):
    assert [p.key for p in identity_registry.active()] == ["bundid", "oidc"]
    settings.IDENTITY_PROVIDERS = ["buergerbuero.applications.identity.contrib.oidc.OpenIDConnectProvider"]
    assert identity_registry.get("oidc").key == "oidc"
    with pytest.raises(NotFound):
        identity_registry.get("bundid")  # registered (imported before), but not active here
    assert "xbezahldienste" in dict(payment_registry.choices())
    with pytest.raises(NotFound):
        payment_registry.get("no-such-platform", account=None)
