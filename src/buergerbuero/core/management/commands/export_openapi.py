import json
from pathlib import Path

from django.core.management.base import BaseCommand

from buergerbuero.api import api


class Command(BaseCommand):
    help = "Write the OpenAPI document of the JSON API (the API reference in docs/openapi.json)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="docs/openapi.json")

    def handle(self, *args, output, **options):
        document = api.get_openapi_schema(path_prefix="/api/")
        Path(output).write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        self.stdout.write(f"{len(document['paths'])} paths written to {output}")
