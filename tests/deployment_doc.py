"""What docs/deployment.md tells an operator to run, read from the document itself, so the tests that start a
deployment (tests/background/test_deployment.py) or check its settings (tests/core/test_deploy_check.py) run
exactly the documented commands and variables."""

import re
import shlex
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "deployment.md"
INSTALL_DIR = "/srv/buergerbuero"  # where the documented units expect the checkout and its .venv


def documented_production_environment() -> dict[str, str]:
    """The `export` lines of the block marked <!-- production-env -->."""
    block = DOC.read_text().split("<!-- production-env -->")[1].split("```")[1]
    return {name: value.strip("'\"") for name, value in re.findall(r"^export (\w+)=(\S+)", block, flags=re.M)}


def systemd_units() -> dict[str, dict]:
    """The example units: {"buergerbuero-web.service": {"ExecStart": [...argv], "Environment": {...}}, …}.

    An ```ini block that starts with `# /etc/systemd/system/<name>` is a unit; continuation lines (`\\`) are
    joined as systemd does."""
    units = {}
    for block in re.findall(r"```ini\n(.*?)```", DOC.read_text(), flags=re.S):
        header = re.match(r"# /etc/systemd/system/(\S+)", block)
        if not header:
            continue
        text = re.sub(r"\\\n\s*", " ", block)
        unit: dict[str, Any] = {"ExecStart": None, "ExecStartPre": [], "Environment": {}}
        for key, value in re.findall(r"^(\w+)=(.*)$", text, flags=re.M):
            if key == "ExecStart":
                unit["ExecStart"] = shlex.split(value)
            elif key == "ExecStartPre":
                unit["ExecStartPre"].append(shlex.split(value))
            elif key == "Environment":
                name, _, setting = value.partition("=")
                unit["Environment"][name] = setting
        units[header.group(1)] = unit
    return units


def local_command(argv: list[str], **options: str) -> list[str]:
    """A documented command for this checkout: the .venv's programs instead of INSTALL_DIR's, and the given
    `--option value` pairs replaced (what differs between hosts: port, number of processes)."""
    venv_bin = Path(sys.executable).parent
    prefix = INSTALL_DIR + "/.venv/bin/"
    argv = [str(venv_bin / arg.removeprefix(prefix)) if arg.startswith(prefix) else arg for arg in argv]
    for option, value in options.items():
        flag = "--" + option.replace("_", "-")
        assert flag in argv, f"{flag} is not in the documented command {argv}"
        argv[argv.index(flag) + 1] = value
    return argv
