"""SAML metadata: the issuer and the signing certificates (AWS SAML providers, OCI domains).

Pure: text in, facts out. The XML parser is the standard library's ElementTree (the venv
has no ``defusedxml``). ElementTree (expat) never fetches external entities or DTDs; on
top of that a document with a DOCTYPE or an ENTITY declaration is refused before it is
parsed, so no entity of any kind (internal "billion laughs" included) is ever expanded.
SAML metadata never needs a DTD.

Only certificates inside an ``IDPSSODescriptor``'s signing ``KeyDescriptor`` count (a
``KeyDescriptor`` without ``use`` serves both purposes); a ``ds:Signature`` over the
metadata itself carries the metadata signer's certificate, which is not the one that
signs assertions. The first signing certificate is the one reported: during a rotation
the metadata lists both, and the first is the one the IdP is known to sign with now.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from xml.etree import ElementTree

from cryptography import x509

MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
REFUSED_MARKUP = ("<!DOCTYPE", "<!ENTITY")


@dataclass(frozen=True)
class SamlMetadata:
    entity_id: str
    signing_cert_sha256: str | None
    """SHA-256 (lowercase hex) of the DER of the first signing certificate."""
    signing_cert_not_after: str | None
    """Its expiry, RFC 3339 UTC; None when the certificate cannot be decoded."""


@dataclass(frozen=True)
class SamlDocument:
    entity_id: str
    signing_certs: tuple[bytes, ...]
    """DER of every IdP signing certificate, in document order."""


@dataclass(frozen=True)
class CertFacts:
    sha256: str
    not_after: str


def parse_document(text: str) -> SamlDocument:
    """The entity id and every IdP signing certificate of a SAML metadata document.

    Raises ValueError for a document that is not usable SAML metadata.
    """
    upper = text.upper()
    if any(markup in upper for markup in REFUSED_MARKUP):
        raise ValueError("SAML metadata with a DOCTYPE or ENTITY declaration is refused")
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - no DTD or entity (refused above)
    except ElementTree.ParseError as exc:
        raise ValueError(f"SAML metadata is not XML: {exc}") from exc
    tag = f"{{{MD_NS}}}EntityDescriptor"
    entity = root if root.tag == tag else root.find(f".//{tag}")
    if entity is None or not entity.get("entityID"):
        raise ValueError("SAML metadata has no EntityDescriptor/@entityID")
    return SamlDocument(str(entity.get("entityID")), signing_certificates(entity))


def parse_metadata(text: str) -> SamlMetadata:
    """The entity id and the first signing certificate's fingerprint and expiry."""
    document = parse_document(text)
    if not document.signing_certs:
        return SamlMetadata(document.entity_id, None, None)
    der = document.signing_certs[0]
    return SamlMetadata(document.entity_id, hashlib.sha256(der).hexdigest(), not_after(der))


def signing_certificates(entity: ElementTree.Element) -> tuple[bytes, ...]:
    certs: list[bytes] = []
    for idp in entity.findall(f"{{{MD_NS}}}IDPSSODescriptor"):
        for key in idp.findall(f"{{{MD_NS}}}KeyDescriptor"):
            if key.get("use", "signing") != "signing":
                continue
            certs.extend(
                der_of(cert.text or "") for cert in key.iter(f"{{{DS_NS}}}X509Certificate")
            )
    return tuple(certs)


def cert_facts(der: bytes) -> CertFacts:
    """SHA-256 fingerprint (lowercase hex) and expiry (RFC 3339) of a DER certificate."""
    cert = x509.load_der_x509_certificate(der)
    expiry = cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return CertFacts(hashlib.sha256(der).hexdigest(), expiry)


def der_of(text: str) -> bytes:
    """A base64 certificate (bare or PEM-armoured, any line breaks) → DER bytes."""
    body = "".join(line for line in text.splitlines() if not line.strip().startswith("-----"))
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"SAML metadata has a malformed certificate: {exc}") from exc
    if not der:
        raise ValueError("SAML metadata has an empty certificate")
    return der


def not_after(der: bytes) -> str | None:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    return cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
