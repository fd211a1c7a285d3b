"""Writes the test certificates and unencrypted PKCS#8 keys that `tests/trust_certificates.rs`
signs with: one per way a certificate may not sign (expired, a CA, RSA-1024, no or the wrong
key usage), a good self-signed one, and an institution's CA with a signer it issued (plus a
second CA of the same name that issued an impostor). Synthetic names only.

Usage: python make_certificates.py OUT_DIR   (needs `cryptography`, which pyHanko brings)
"""
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
day = datetime.timedelta(days=1)


def name(common_name, title="Study nurse"):
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.TITLE, title),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Synthetic Hospital"),
    ])


def p256():
    return ec.generate_private_key(ec.SECP256R1())


def certificate(key, subject, issuer, issuer_key, *, start=now - day, end=now + 365 * day,
                ca=False, key_usage="sign"):
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    usages = {
        "sign": dict(digital_signature=True, content_commitment=True),
        "ca": dict(key_cert_sign=True, crl_sign=True),
        "encipher": dict(key_encipherment=True),
    }
    if key_usage is not None:
        flags = dict(digital_signature=False, content_commitment=False, key_encipherment=False,
                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                     crl_sign=False, encipher_only=False, decipher_only=False)
        flags.update(usages[key_usage])
        builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def write(label, key, cert):
    with open(f"{out}/{label}-key.pem", "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(f"{out}/{label}-cert.pem", "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


signer = name("Synthetic Coordinator")
good_key = p256()
write("good", good_key, certificate(good_key, signer, signer, good_key))

# An institution's CA, and the certificates it issued. Each bad one fails one rule; as they
# chain to a trust anchor, pyHanko checks them as end-entity certificates too (it does not
# check a self-signed trust anchor's own dates or key usage).
ca_name = name("Synthetic Hospital Signing CA", "Certification authority")
ca_key = p256()
write("ca", ca_key, certificate(ca_key, ca_name, ca_name, ca_key, ca=True, key_usage="ca"))


def issued(label, key, **kwargs):
    write(label, key, certificate(key, signer, ca_name, ca_key, **kwargs))


issued("issued-by-ca", p256())
issued("expired", p256(), start=now - 400 * day, end=now - 30 * day)
issued("rsa1024", rsa.generate_private_key(public_exponent=65537, key_size=1024))
issued("ca-as-signer", p256(), ca=True, key_usage="ca")
issued("no-key-usage", p256(), key_usage=None)
issued("encipher-only", p256(), key_usage="encipher")

# An impostor CA with the same name, and a signer it issued.
impostor_key = p256()
write("impostor-ca", impostor_key,
      certificate(impostor_key, ca_name, ca_name, impostor_key, ca=True, key_usage="ca"))
leaf_key = p256()
write("issued-by-impostor-ca", leaf_key, certificate(leaf_key, signer, ca_name, impostor_key))
