"""Apps talk to each other through their doors: another app's selectors and services, never its models elsewhere.

The rule (docs/architecture.md, "App boundaries"), checked on the source of every app under src/buergerbuero/:
- A module of app A may import app B's ``models`` only if it is one of A's own ``selectors``/``services``
  modules (``selectors.py``, ``services.py`` or a module inside a ``selectors/`` or ``services/`` package): the
  reads and writes that cross apps are written there, where they can be found and changed together. Views,
  APIs, forms, tasks, reports, engines and models ask those modules (or B's) instead.
- Imports under ``if TYPE_CHECKING:`` are only type names (no query can run through them) and are allowed.
- No module imports or touches a private name (``_name``) of another app, e.g. ``capacity.rules._merge``.
- ``core`` is the shared base every app may import; migrations freeze model state and are not read.
The few places that may do more stand in ALLOWED, each with its reason.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "buergerbuero"
PACKAGE = "buergerbuero"
SHARED = {"core"}
DOORS = {"selectors", "services"}

# (module relative to src/buergerbuero, the other app's module it imports) → why it may
ALLOWED = {
    ("catalog/admin.py", "capacity.models"): "admin inlines: an office's rules, closures and channel shares are "
    "edited on the office's admin page",
    ("applications/demo.py", "catalog.models"): "demo loader: adds the application services to the demo catalogue",
    ("callcenter/demo.py", "accounts.models"): "demo loader: creates the partner call center's staff accounts",
    ("core/management/commands/load_demo.py", "catalog.models"): "demo loader: asks whether a demo city is "
    "loaded already before it runs every app's demo.py",
}


def apps() -> set[str]:
    return {p.name for p in ROOT.iterdir() if (p / "apps.py").exists()}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
        ):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _is_door(module: str) -> bool:
    parts = module.removesuffix(".py").split("/")
    return parts[-1] in DOORS or any(part in DOORS for part in parts[1:-1])


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name != "_meta"


def violations(module: str, source: str, known_apps: set[str]) -> list[str]:
    """What `module` (path relative to src/buergerbuero) does against the rule, one line per place."""
    app = module.split("/")[0]
    tree = ast.parse(source)
    types_only = _type_checking_lines(tree)
    found: list[str] = []
    other_modules: dict[str, str] = {}  # local name → dotted module of another app it stands for

    def other_app(dotted: str) -> str | None:
        parts = dotted.split(".")
        if len(parts) < 2 or parts[0] != PACKAGE or parts[1] not in known_apps:
            return None
        return None if parts[1] in (app, *SHARED) else parts[1]

    def crossing(node: ast.Import | ast.ImportFrom, target: str, what: str) -> None:
        if node.lineno in types_only:
            return
        if target.endswith(".models") and _is_door(module):
            return
        if (module, target) in ALLOWED:
            return
        found.append(f"{module}:{node.lineno} {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if other_app(node.module) is None:
                continue
            target = node.module.removeprefix(f"{PACKAGE}.")
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{module}:{node.lineno} imports the private {target}.{alias.name}")
                    continue
                if target.count(".") == 0:  # from buergerbuero.<app> import <module>
                    other_modules[alias.asname or alias.name] = f"{target}.{alias.name}"
                    if alias.name == "models":
                        crossing(node, f"{target}.models", f"imports {target}.models")
                else:
                    other_modules[alias.asname or alias.name] = target
                    if target.endswith(".models") or ".models." in target:
                        crossing(node, target.split(".models")[0] + ".models", f"imports {alias.name} from {target}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if other_app(alias.name) is None:
                    continue
                target = alias.name.removeprefix(f"{PACKAGE}.")
                if alias.asname:
                    other_modules[alias.asname] = target
                if target.endswith(".models"):
                    crossing(node, target, f"imports {target}")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in other_modules
        ):
            found.append(f"{module}:{node.lineno} uses the private {other_modules[node.value.id]}.{node.attr}")
    return found


def app_modules():
    known = apps()
    for path in sorted(ROOT.rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        if module.split("/")[0] in known and "/migrations/" not in module:
            yield module, path


def test_apps_use_each_others_models_only_in_their_selectors_and_services():
    known = apps()
    found = [line for module, path in app_modules() for line in violations(module, path.read_text(), known)]
    assert found == [], (
        "go through the other app's selectors/services (or add a function there), or list the exception in "
        "ALLOWED with its reason:\n" + "\n".join(found)
    )


def test_every_allowed_exception_is_still_needed():
    known = apps()
    needed = set()
    for module, path in app_modules():
        if any(module == allowed for allowed, _ in ALLOWED):
            saved = {key: ALLOWED.pop(key) for key in list(ALLOWED) if key[0] == module}
            try:
                needed.update((module, line) for line in violations(module, path.read_text(), known))
            finally:
                ALLOWED.update(saved)
    for module, target in ALLOWED:
        assert any(m == module and target in line for m, line in needed), f"{module} no longer imports {target}"


KNOWN = {"booking", "catalog", "capacity", "insights", "core"}


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("insights/views.py", "from buergerbuero.booking.models import Appointment\n", ["insights/views.py:1"]),
        ("insights/kpis.py", "def f():\n    from buergerbuero.catalog import models\n", ["insights/kpis.py:2"]),
        ("insights/api.py", "import buergerbuero.booking.models\n", ["insights/api.py:1"]),
        ("booking/sla.py", "from buergerbuero.capacity.rules import _merge\n", ["booking/sla.py:1"]),
        ("booking/sla.py", "from buergerbuero.capacity import rules\nrules._merge([])\n", ["booking/sla.py:2"]),
        ("booking/sla.py", "import buergerbuero.capacity.rules as r\nr._merge([])\n", ["booking/sla.py:2"]),
        # the doors, the app's own models, core, type names and the listed exceptions pass
        ("insights/selectors.py", "from buergerbuero.booking.models import Appointment\n", []),
        ("booking/waitlist/services.py", "from buergerbuero.catalog.models import Office\n", []),
        ("booking/views.py", "from buergerbuero.booking.models import Appointment\n", []),
        ("booking/views.py", "from buergerbuero.core.channels import Channel\n", []),
        ("booking/views.py", "from buergerbuero.catalog import selectors\nselectors.service_by_slug('x')\n", []),
        ("booking/views.py", "Appointment._meta.db_table\n", []),
        (
            "booking/feed.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from buergerbuero.catalog.models import Office\n",
            [],
        ),
        ("catalog/admin.py", "from buergerbuero.capacity.models import Closure\n", []),
    ],
)
def test_the_check_finds_what_crosses_a_boundary(module, source, expected):
    assert [line.split(" ")[0] for line in violations(module, source, KNOWN)] == expected
