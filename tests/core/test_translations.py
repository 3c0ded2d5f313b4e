"""The English catalogue is complete, compiled, current with the source, and actually used by the API and the pages."""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "src" / "buergerbuero" / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0-9.]*[sdif]|%%")
UPDATE = "run scripts/update-translations, translate what it reports, commit the .po and the .mo"


def messages(catalogue) -> dict:
    """(context, msgid, msgid_plural) → msgstr or the tuple of plural forms, the way both files store them."""
    out = {}
    for entry in catalogue:
        if not entry.msgid or entry.obsolete or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural:
            text = tuple(entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural))
        else:
            text = entry.msgstr
        out[(entry.msgctxt, entry.msgid, entry.msgid_plural)] = text
    return out


def test_there_is_one_catalogue_for_all_apps():
    # an app's own locale/ folder would take that app's strings out of the catalogue that the checks below read
    assert sorted((ROOT / "src").rglob("locale")) == [CATALOGUE.parents[2]]


def test_every_entry_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(CATALOGUE))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert len(po) > 0
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:3]}: {UPDATE}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:3]}: check and unflag them"
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "en"


def test_every_translation_keeps_the_placeholders_of_its_source():
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, translation in pairs:
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translation)), (
                source,
                translation,
            )


def test_the_committed_mo_is_compiled_from_the_committed_po(tmp_path):
    po = polib.pofile(str(CATALOGUE))
    expected = messages(po)
    assert messages(polib.mofile(str(COMPILED))) == expected, f"django.mo is stale: {UPDATE}"
    if shutil.which("msgfmt"):  # where GNU gettext is present, its compiler must agree too
        fresh = tmp_path / "django.mo"
        subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(CATALOGUE)], check=True)
        assert messages(polib.mofile(str(fresh))) == expected


def test_the_catalogue_has_every_string_of_the_source(tmp_path, monkeypatch):
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext (xgettext) is missing: install Debian's 'gettext' package (.ci/run does)")
    # makemessages writes into any locale/ folder it walks past, so extract from a copy of the source without one.
    shutil.copytree(
        ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "*.mo")
    )
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["en"], verbosity=0)
    extracted = tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert extracted.is_file()
    in_source = {e.msgid for e in polib.pofile(str(extracted)) if e.msgid}
    in_catalogue = {e.msgid for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    assert len(in_source) > 100
    missing = sorted(in_source - in_catalogue)
    assert not missing, f"{len(missing)} new strings, e.g. {missing[:3]}: {UPDATE}"


# The gettext functions and the names under which makemessages finds their strings: xgettext's Python keywords
# (gettext, ngettext, _) plus the ones Django adds (gettext_lazy, gettext_noop, pgettext, ...). A string marked
# through any other name, e.g. `from django.utils.translation import gettext as _g`, is never extracted: the
# catalogue check above cannot see it, and English pages show it in German.
EXTRACTED_AS = {
    "gettext": {"gettext", "_"},
    "gettext_lazy": {"gettext_lazy", "_"},
    "gettext_noop": {"gettext_noop"},
    "ngettext": {"ngettext"},
    "ngettext_lazy": {"ngettext_lazy"},
    "pgettext": {"pgettext"},
    "pgettext_lazy": {"pgettext_lazy"},
    "npgettext": {"npgettext"},
    "npgettext_lazy": {"npgettext_lazy"},
}


def gettext_bindings(tree: ast.AST):
    """(line, function, bound name) for every import or plain assignment that binds a gettext function to a name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in EXTRACTED_AS:
                    yield node.lineno, alias.name, alias.asname or alias.name
        elif isinstance(node, ast.Assign):
            value = node.value
            function = value.id if isinstance(value, ast.Name) else getattr(value, "attr", None)
            if function in EXTRACTED_AS:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        yield node.lineno, function, target.id


def test_gettext_functions_keep_names_that_makemessages_extracts():
    bindings = []
    for path in sorted((ROOT / "src").rglob("*.py")):
        for line, function, name in gettext_bindings(ast.parse(path.read_text(encoding="utf-8"))):
            bindings.append((function, name))
            if name not in EXTRACTED_AS[function]:
                where = f"{path.relative_to(ROOT)}:{line}"
                allowed = " or ".join(sorted(EXTRACTED_AS[function]))
                pytest.fail(f"{where} binds {function} to {name!r}, which makemessages does not extract: use {allowed}")
    assert ("gettext", "_") in bindings and ("gettext_lazy", "_") in bindings  # the walk did see the source


def test_the_guard_catches_an_alias():
    source = (
        "from django.utils.translation import gettext as _g, ngettext\n"
        "from django.utils import translation\n"
        "t = translation.gettext_lazy\n"
    )
    found = sorted(gettext_bindings(ast.parse(source)))
    assert found == [(1, "gettext", "_g"), (1, "ngettext", "ngettext"), (3, "gettext_lazy", "t")]


def test_makemessages_extracts_every_name_the_guard_allows(tmp_path, monkeypatch):
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext (xgettext) is missing: install Debian's 'gettext' package (.ci/run does)")
    calls = {
        "gettext": 'gettext("Wort {n}")',
        "gettext_lazy": 'gettext_lazy("Wort {n}")',
        "gettext_noop": 'gettext_noop("Wort {n}")',
        "ngettext": 'ngettext("Wort {n}", "Worte {n}", 2)',
        "ngettext_lazy": 'ngettext_lazy("Wort {n}", "Worte {n}", 2)',
        "pgettext": 'pgettext("k", "Wort {n}")',
        "pgettext_lazy": 'pgettext_lazy("k", "Wort {n}")',
        "npgettext": 'npgettext("k", "Wort {n}", "Worte {n}", 2)',
        "npgettext_lazy": 'npgettext_lazy("k", "Wort {n}", "Worte {n}", 2)',
        "_": '_("Wort {n}")',
    }
    names = sorted({name for allowed in EXTRACTED_AS.values() for name in allowed})
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "sample.py").write_text("\n".join(calls[name].format(n=name) for name in names) + "\n")
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["en"], verbosity=0)
    extracted = {e.msgid for e in polib.pofile(str(tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po"))}
    assert extracted == {f"Wort {name}" for name in names}


@pytest.mark.django_db
def test_an_api_problem_speaks_english_when_asked(client):
    response = client.get("/api/offices/unknown", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    body = response.json()
    assert body["detail"] == "This office does not exist."
    assert body["title"] == "Not found"
    assert body["messages"] == {"de": "Diesen Standort gibt es nicht.", "en": "This office does not exist."}
    assert body["field"] == "office"

    german = client.get("/api/offices/unknown", HTTP_ACCEPT_LANGUAGE="de").json()
    assert german["detail"] == "Diesen Standort gibt es nicht." and german["title"] == "Nicht gefunden"


@pytest.mark.django_db
def test_a_page_is_english_once_the_citizen_chooses_english(client):
    german = client.get("/online/").content.decode()
    assert "Online-Dienste von Bund und Land" in german and "Zum Inhalt springen" in german

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/online/"})
    assert response.status_code == 302 and response["Location"] == "/online/"
    english = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in english
    assert "Skip to content" in english
    assert "Online services of the federal and state governments" in english
    assert "Check your passport photo in advance" in english
    assert "Online-Dienste von Bund und Land" not in english
