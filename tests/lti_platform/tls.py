"""A self-signed certificate, so that the platform and the tool can be served over HTTPS.

Production cookies are ``Secure``: a client sends them back over HTTPS only. Tests of the
production configuration therefore serve both sides with this certificate, and their
HTTP clients trust it (``REQUESTS_CA_BUNDLE``, read by every ``requests`` session).
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

#: The names the test servers are reached by (``RunningServer.url``).
TEST_HOSTS = ("localhost", "127.0.0.1")


@dataclass(frozen=True)
class Certificate:
    """A certificate (its own issuer) and its key, as PEM files."""

    cert_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def self_signed_certificate(folder: Path, hosts: tuple[str, ...] = TEST_HOSTS) -> Certificate:
    """A certificate for ``hosts`` (names or IP addresses), valid for a day, in ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    alternative_names = [
        x509.IPAddress(ipaddress.ip_address(host))
        if host.replace(".", "").isdigit()
        else x509.DNSName(host)
        for host in hosts
    ]
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        # Its own trust anchor: a CA certificate, as OpenSSL's strict verification wants.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_path, key_path)
