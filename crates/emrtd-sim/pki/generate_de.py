#!/usr/bin/env python3
"""Generates the virtual chip's German TEST CSCA (never trust it for real documents).

  CSCA "emrtd TEST CSCA DE"  C=DE, ECDSA brainpoolP256r1 / SHA-256, self-signed
  DSC  "emrtd TEST DS DE"    C=DE, the key of the Norwegian test DSC (dsc.key.der), issued by it

Documents whose issuing state is Germany (`D`, e.g. the BSI TR-03105 data page of Erika
Mustermann) are signed with this certificate, so that the issuing-state check (field quirk T10:
the CSCA's country must be the issuing state) holds for them as it does for Norwegian ones. The
signing key is shared, so the simulator only chooses which certificate to embed. Validity starts
on the day the Norwegian test PKI's does. Needs python3-cryptography; run once, the outputs are
committed so builds are reproducible.
"""
import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

here = os.path.dirname(os.path.abspath(__file__))
start = datetime.datetime(2026, 11, 24, 19, 7, 29, tzinfo=datetime.timezone.utc)


def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "emrtd test"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


csca_key = ec.generate_private_key(ec.BrainpoolP256R1())
csca_name = name("emrtd TEST CSCA DE")
csca = (
    x509.CertificateBuilder()
    .subject_name(csca_name)
    .issuer_name(csca_name)
    .public_key(csca_key.public_key())
    .serial_number(1)
    .not_valid_before(start)
    .not_valid_after(start + datetime.timedelta(days=7300))
    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    .add_extension(x509.SubjectKeyIdentifier.from_public_key(csca_key.public_key()), critical=False)
    .sign(csca_key, hashes.SHA256())
)
with open(os.path.join(here, "dsc.key.der"), "rb") as f:
    dsc_key = serialization.load_der_private_key(f.read(), None)
dsc = (
    x509.CertificateBuilder()
    .subject_name(name("emrtd TEST DS DE"))
    .issuer_name(csca_name)
    .public_key(dsc_key.public_key())
    .serial_number(2)
    .not_valid_before(start)
    .not_valid_after(start + datetime.timedelta(days=3650))
    .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
    .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(csca_key.public_key()), critical=False)
    .add_extension(x509.SubjectKeyIdentifier.from_public_key(dsc_key.public_key()), critical=False)
    .sign(csca_key, hashes.SHA256())
)
for cert, out in ((csca, "csca_de.der"), (dsc, "dsc_de.der")):
    with open(os.path.join(here, out), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.DER))
