"""PDF documents signed with the office's certificate (pyHanko, PAdES baseline signature).

Production configures the office's key and certificate chain (APPLICATIONS_SIGNING_KEY_FILE,
APPLICATIONS_SIGNING_CERT_FILE, APPLICATIONS_SIGNING_CA_FILE). For development a local test CA and an office
certificate issued by it are generated on first use under var/pki/ – never committed, refused in production.
"""

import datetime as dt
import io
import os
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
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def _write_key(path: Path, key) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )


def _name(common_name: str) -> x509.Name:
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
    ca_name = _name("buergerbuero Test-CA (nur Entwicklung)")
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
        .subject_name(_name("Bürgerbüro – Dienstsiegel (Test)"))
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
    _write_key(ca_key_path, ca_key)
    _write_key(key_path, key)
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


def sign_pdf(pdf: bytes, *, reason: str, location: str) -> bytes:
    key, cert, ca = signing_material()
    signer = signers.SimpleSigner.load(str(key), str(cert), ca_chain_files=(str(ca),))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name="Dienstsiegel", reason=reason, location=location)
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def verify_pdf(pdf: bytes, *, trust_root: Path | None = None):
    """pyHanko's status of the (single) signature: .intact, .valid, .trusted, .signing_cert."""
    if trust_root is None:
        trust_root = signing_material()[2]
    reader = PdfFileReader(io.BytesIO(pdf))
    if not reader.embedded_signatures:
        raise ValueError("no signature")
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(trust_root))], allow_fetching=False)
    return validate_pdf_signature(reader.embedded_signatures[0], context)
