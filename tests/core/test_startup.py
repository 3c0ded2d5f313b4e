"""Starting a process stays fast: the URL configuration does not import the heavy libraries (PDF, signing, images,
NumPy); the views that need them import them (docs/benchmarks.md "First run")."""

import re
import subprocess
import sys

from django.conf import settings

HEAVY = ("pyhanko", "pyhanko_certvalidator", "reportlab", "cv2", "numpy", "zxingcpp", "saml2")


def test_loading_the_url_configuration_leaves_heavy_libraries_unimported():
    # Every path is resolved, so each app's views module is imported, as the first requests would.
    code = (
        "import sys, django; django.setup(); import buergerbuero.wsgi, buergerbuero.urls; "
        "from django.urls import resolve; "
        "[resolve(p) for p in ('/', '/intern/', '/intern/anmelden/', '/api/docs', '/readyz')]; "
        "from django.urls import get_resolver; "
        "[p.callback for p in get_resolver().url_patterns if hasattr(p, 'callback')]; "
        "import importlib; from django.conf import settings; "
        "[importlib.import_module(a + '.views') for a in settings.INSTALLED_APPS "
        "if a.startswith('buergerbuero.') and importlib.util.find_spec(a + '.views')]; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "buergerbuero.settings", "PYTHONPATH": "src", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported at start: {result.stdout.strip()}"


def test_settings_read_the_signing_files_and_xmlsec_from_the_environment(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.APPLICATIONS_SIGNING_KEY_FILE, s.APPLICATIONS_SIGNING_CERT_FILE, s.APPLICATIONS_SIGNING_CA_FILE, "
        "s.BUNDID['XMLSEC_BINARY']); "
        "from buergerbuero.applications.signing import signing_material; "
        "from buergerbuero.applications.identity.contrib.bundid import xmlsec_binary; "
        "print(*signing_material(), xmlsec_binary())"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "buergerbuero.settings",
        "PYTHONPATH": "src",
        "PATH": "/usr/bin:/bin",
        "BUERGERBUERO_VAR_DIR": str(tmp_path),
        "APPLICATIONS_SIGNING_KEY_FILE": "/etc/bb/seal.key",
        "APPLICATIONS_SIGNING_CERT_FILE": "/etc/bb/seal.pem",
        "APPLICATIONS_SIGNING_CA_FILE": "/etc/bb/chain.pem",
        "BUNDID_XMLSEC_BINARY": "/opt/xmlsec/bin/xmlsec1",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    expected = "/etc/bb/seal.key /etc/bb/seal.pem /etc/bb/chain.pem /opt/xmlsec/bin/xmlsec1"
    assert result.stdout.splitlines() == [expected, expected]


def test_production_static_files_get_hashed_names_that_pages_link_to(tmp_path):
    env = {
        "DJANGO_SETTINGS_MODULE": "buergerbuero.settings",
        "PYTHONPATH": "src",
        "PATH": "/usr/bin:/bin",
        "BUERGERBUERO_VAR_DIR": str(tmp_path),
        "FRONTEND_BUILD_DIR": str(settings.FRONTEND_BUILD_DIR),
        "STATIC_HASHED_NAMES": "true",
        "DEBUG": "false",  # with DEBUG on, the manifest storage links the plain names on purpose
    }
    collect = [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"]
    result = subprocess.run(collect, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    code = (
        "import django; django.setup(); from django.templatetags.static import static; "
        "print(static('ninja/swagger-ui-bundle.js'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert re.fullmatch(r"/static/ninja/swagger-ui-bundle\.[0-9a-f]{12}\.js", url), url
    assert (tmp_path / "static" / url.removeprefix("/static/")).is_file()
