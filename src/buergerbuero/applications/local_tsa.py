"""A real RFC 3161 time-stamping authority over HTTP for development and tests, on 127.0.0.1.

It answers `application/timestamp-query` POSTs with signed `application/timestamp-reply` tokens (pyHanko's
TSA implementation), with a TSA certificate (key usage timeStamping) issued by the development test CA, so a
signature timestamped here validates against `var/pki/test-ca.crt` like a qualified TSA against its CA.
Set `APPLICATIONS_SIGNING_TSA_URL=http://127.0.0.1:8091/` to sign documents at level PAdES B-T.
Plain WSGI (no Django): it runs in a thread of the test process or as `manage.py run_local_tsa`.
"""

import datetime as dt
from pathlib import Path

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from buergerbuero.applications import signing


def ensure_tsa_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """(TSA key, TSA cert, CA cert): a TSA certificate issued by the development test CA, created if missing."""
    _key, _cert, ca_cert_path = signing.ensure_dev_pki(directory)
    key_path, cert_path = directory / "local-tsa.key", directory / "local-tsa.crt"
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path, ca_cert_path
    ca_key = serialization.load_pem_private_key((directory / "test-ca.key").read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    ca_public = ca_cert.public_key()
    if not isinstance(ca_key, rsa.RSAPrivateKey) or not isinstance(ca_public, rsa.RSAPublicKey):
        raise ValueError("the development test CA has an RSA key (signing.ensure_dev_pki)")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(signing.certificate_name("buergerbuero lokaler Zeitstempeldienst (nur Entwicklung)"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    signing.write_private_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, ca_cert_path


class LocalTSA:
    """The WSGI application: POST a DER TimeStampReq, get a DER TimeStampResp."""

    def __init__(self, directory: Path):
        key_path, cert_path, ca_path = ensure_tsa_certificate(Path(directory))
        tsa_cert, ca_cert = load_cert_from_pemder(str(cert_path)), load_cert_from_pemder(str(ca_path))
        self.stamper = DummyTimeStamper(
            tsa_cert=tsa_cert,
            tsa_key=load_private_key_from_pemder(str(key_path), passphrase=None),
            certs_to_embed=SimpleCertificateStore.from_certs([tsa_cert, ca_cert]),
        )
        self.served = 0

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("CONTENT_TYPE") != "application/timestamp-query":
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"POST an RFC 3161 application/timestamp-query\n"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            request = tsp.TimeStampReq.load(environ["wsgi.input"].read(length))
            body = self.stamper.request_tsa_response(request).dump()
        except ValueError:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"unreadable time-stamp request\n"]
        self.served += 1
        start_response("200 OK", [("Content-Type", "application/timestamp-reply"), ("Content-Length", str(len(body)))])
        return [body]
