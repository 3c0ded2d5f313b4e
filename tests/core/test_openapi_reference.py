"""docs/openapi.json is the published API reference: it must match what the running API serves."""

import json
from pathlib import Path

from buergerbuero.api import api

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_reference_matches_the_api(client):
    served = client.get("/api/openapi.json").json()
    committed = json.loads(REFERENCE.read_text())
    assert served["paths"].keys() == committed["paths"].keys(), (
        "docs/openapi.json is out of date: run `.venv/bin/python manage.py export_openapi`"
    )
    assert committed == json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/"), sort_keys=True))
