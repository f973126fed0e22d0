"""The certificates and keys of the tests' real control plane (tests/support/kube_control_plane.py).

Two CAs as kubeadm has them (the cluster's, etcd's), ECDSA leaves valid two days (a test run is
shorter), the admin in ``system:masters``, the service-account RSA key pair, and an aescbc
EncryptionConfiguration for Secrets with a random key. Nothing here is meant for a real cluster.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _write_key(path: Path, key: Any) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


class _Pki:
    """One CA issuing short-lived ECDSA certificates into ``dir``: <name>.crt and <name>.key."""

    def __init__(self, d: Path, ca: str) -> None:
        self.dir = d
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca_cert = self._sign(_name(ca), self.ca_key.public_key(), ca=True)
        (d / f"{ca}.crt").write_bytes(self.ca_cert.public_bytes(serialization.Encoding.PEM))
        _write_key(d / f"{ca}.key", self.ca_key)

    def _sign(
        self, subject: x509.Name, public: Any, *, ca: bool = False, usages: list[x509.ObjectIdentifier] | None = None,
        sans: list[x509.GeneralName] | None = None,
    ) -> x509.Certificate:  # fmt: skip
        now = datetime.datetime.now(datetime.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject if ca else self.ca_cert.subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_encipherment=False,
                    content_commitment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        if usages:
            builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        return builder.sign(self.ca_key, hashes.SHA256())

    def issue(
        self, name: str, cn: str, org: str | None = None, *, server: bool = False, client: bool = True,
        service_cidr: str | None = None,
    ) -> None:  # fmt: skip
        key = ec.generate_private_key(ec.SECP256R1())
        usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + (
            [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
        )
        sans: list[x509.GeneralName] | None = None
        if server:
            dns = ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                   "kubernetes.default.svc.cluster.local"]  # fmt: skip
            # The kubernetes Service's address (the first of the range) for clients inside the cluster.
            ips = ["127.0.0.1"] + ([str(next(ipaddress.ip_network(service_cidr).hosts()))] if service_cidr else [])
            sans = [x509.DNSName(n) for n in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        cert = self._sign(_name(cn, org), key.public_key(), usages=usages, sans=sans)
        (self.dir / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(self.dir / f"{name}.key", key)


def write_pki(d: Path, service_cidr: str) -> None:
    """Everything the control plane reads at start, written into ``d`` (file names as kubeadm's, flat)."""
    cluster = _Pki(d, "ca")
    cluster.issue("apiserver", "kube-apiserver", server=True, client=False, service_cidr=service_cidr)
    cluster.issue("admin", "kubernetes-admin", "system:masters")
    cluster.issue("controller-manager", "system:kube-controller-manager")
    cluster.issue("controller-manager-serving", "kube-controller-manager", server=True, client=False)
    etcd = _Pki(d, "etcd-ca")
    etcd.issue("etcd-server", "etcd", server=True)
    etcd.issue("apiserver-etcd-client", "kube-apiserver-etcd-client")
    sa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write_key(d / "sa.key", sa)
    (d / "sa.pub").write_bytes(
        sa.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    secret = base64.b64encode(os.urandom(32)).decode()
    (d / "encryption.yaml").write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
        "  - resources: [secrets]\n    providers:\n"
        f"      - aescbc: {{keys: [{{name: key1, secret: {secret}}}]}}\n      - identity: {{}}\n"
    )
