"""Verify the signature of a PDF issued by the office: `manage.py verify_document file.pdf [--trust ca.crt]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from buergerbuero.applications import signing


class Command(BaseCommand):
    help = "Prüft die elektronische Signatur (Dienstsiegel) eines vom Bürgerbüro ausgestellten PDF."

    def add_arguments(self, parser):
        parser.add_argument("pdf")
        parser.add_argument("--trust", help="CA-Zertifikat (Standard: das konfigurierte bzw. var/pki/test-ca.crt)")

    def handle(self, *args, pdf: str, trust: str | None, **options):
        try:
            status = signing.verify_pdf(Path(pdf).read_bytes(), trust_root=Path(trust) if trust else None)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Nicht prüfbar: {exc}") from exc
        self.stdout.write(
            f"unverändert: {status.unchanged}, gültig: {status.valid}, vertrauenswürdig: {status.trusted}, "
            f"Zeitstempel: {status.timestamped}, unterzeichnet von: {status.signer}"
        )
        if not status.bottom_line:
            raise CommandError("Die Signatur ist NICHT gültig.")
