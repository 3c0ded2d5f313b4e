"""PDF documents signed with the office's certificate (pyHanko, PAdES baseline signature).

PAdES baseline (ETSI EN 319 142-1): SubFilter `ETSI.CAdES.detached`, the signer named by the signed attribute
signing-certificate-v2, SHA-256, and no CMS signing-time (PAdES forbids it: the time is the dictionary's /M,
or a trusted timestamp). With `APPLICATIONS_SIGNING_TSA_URL` set, the signature gets an RFC 3161 signature
timestamp from that TSA (level B-T); without, it is level B-B.

Production configures the office's key and certificate chain (APPLICATIONS_SIGNING_KEY_FILE,
APPLICATIONS_SIGNING_CERT_FILE, APPLICATIONS_SIGNING_CA_FILE). For development a local test CA and an office
certificate issued by it are generated on first use under var/pki/ – never committed, refused in production.
"""

import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext


def write_private_key(path: Path, key) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )


def certificate_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "buergerbuero (Entwicklung)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def ensure_dev_pki(directory: Path) -> tuple[Path, Path, Path]:
    """(office key, office cert, CA cert) of the development test CA, created if missing."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key_path, ca_cert_path = directory / "test-ca.key", directory / "test-ca.crt"
    key_path, cert_path = directory / "office-signing.key", directory / "office-signing.crt"
    if key_path.exists() and cert_path.exists() and ca_cert_path.exists():
        return key_path, cert_path, ca_cert_path
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = certificate_name("buergerbuero Test-CA (nur Entwicklung)")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(certificate_name("Bürgerbüro – Dienstsiegel (Test)"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    write_private_key(ca_key_path, ca_key)
    write_private_key(key_path, key)
    ca_cert_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, ca_cert_path


def signing_material() -> tuple[Path, Path, Path]:
    key = getattr(settings, "APPLICATIONS_SIGNING_KEY_FILE", "")
    cert = getattr(settings, "APPLICATIONS_SIGNING_CERT_FILE", "")
    ca = getattr(settings, "APPLICATIONS_SIGNING_CA_FILE", "")
    if key and cert and ca:
        return Path(key), Path(cert), Path(ca)
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("Production needs APPLICATIONS_SIGNING_KEY_FILE/CERT_FILE/CA_FILE.")
    return ensure_dev_pki(Path(settings.VAR_DIR) / "pki")


def timestamper() -> HTTPTimeStamper | None:
    url = getattr(settings, "APPLICATIONS_SIGNING_TSA_URL", "")
    return HTTPTimeStamper(url, timeout=10) if url else None


def sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    key, cert, ca = signing_material()
    signer = signers.SimpleSigner.load(str(key), str(cert), ca_chain_files=(str(ca),))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="Dienstsiegel",
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper())
    return out.getvalue()


@dataclass(frozen=True)
class Verdict:
    """What a reader of the document needs to know, in the terms of `verify_document`."""

    intact: bool  # the signed bytes are as signed
    unchanged: bool  # … and nothing was added after signing (no later revision changes what is shown)
    valid: bool
    trusted: bool
    timestamped: bool
    signer: str
    status: object  # pyHanko's PdfSignatureStatus, for details

    @property
    def bottom_line(self) -> bool:
        return self.intact and self.unchanged and self.valid and self.trusted


def verify_pdf(pdf: bytes, *, trust_root: Path | None = None) -> Verdict:
    """Validate the office's (single) signature with pyHanko against `trust_root` only (no fetching).

    A signature stays cryptographically intact when someone appends a revision that changes the page, so
    "unchanged" also asks for the signature to cover the whole file, or for the later revisions to hold only
    validation data (DSS, document timestamps)."""
    if trust_root is None:
        trust_root = signing_material()[2]
    reader = PdfFileReader(io.BytesIO(pdf))
    if not reader.embedded_signatures:
        raise ValueError("no signature")
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(trust_root))], allow_fetching=False)
    status = validate_pdf_signature(reader.embedded_signatures[0], context)
    unchanged = status.intact and (
        status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        or (status.modification_level is not None and status.modification_level <= ModificationLevel.LTA_UPDATES)
    )
    return Verdict(
        intact=status.intact,
        unchanged=unchanged,
        valid=status.valid,
        trusted=status.trusted,
        timestamped=status.timestamp_validity is not None,
        signer=status.signing_cert.subject.human_friendly,
        status=status,
    )
