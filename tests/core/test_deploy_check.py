"""`manage.py check --deploy` is clean with the production variables docs/deployment.md lists as mandatory."""

import os
import re
import shlex
import subprocess
import sys

from django.conf import settings

from tests.deployment_doc import DOC, documented_production_environment, systemd_units


def test_check_deploy_is_clean_with_the_documented_production_variables(tmp_path):
    documented = documented_production_environment()
    assert {"BUERGERBUERO_ENV", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL"} <= set(documented)
    documented["SECRET_KEY"] = "x" * 10 + "a-real-random-secret-key-of-fifty-chars-"  # the doc shows a placeholder
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    env.update(documented)
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env["BUERGERBUERO_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_documented_process_command_is_the_one_its_unit_runs():
    """docs/deployment.md names the commands in several places (process table, single server, units); the
    deployment test runs the units' ones. Only what differs per host may differ: address, port, process count."""

    def normal(argv: list[str]) -> list[str]:
        argv = [arg.rsplit("/", 1)[-1] for arg in argv if arg not in {"&", "\\"}]
        for flag in ("--host", "--port", "--workers"):
            if flag in argv:
                argv[argv.index(flag) + 1] = "…"
        return argv

    expected = {unit["ExecStart"][-1]: normal(unit["ExecStart"]) for unit in systemd_units().values()}
    text = re.sub(r"\\\n\s*", " ", DOC.read_text())  # continuation lines joined
    found = re.findall(r"([^\s`]*(?:granian --|python manage\.py )[^\n`]*)", text)
    checked = 0
    for command in found:
        argv = normal(shlex.split(command))
        if argv[0] == "python" and argv[2] not in expected:
            continue  # migrate, collectstatic, createsuperuser …
        assert argv == expected[argv[-1]], f"{command!r} differs from its unit's {expected[argv[-1]]}"
        checked += 1
    assert checked >= 6  # the process table's three, the single server's three
