# certs.py - test certificates made with Debian's `openssl` at test time: a CA, server and client certificates, an expired one, another CA.
"""    c = Certs()                    # once per test process (slow-ish: a few openssl runs)
    c.ca                            # PEM of the CA that signed what follows
    c.server, c.server_key          # for 127.0.0.1 and localhost (serverAuth)
    c.client, c.client_key          # O=embedstream tests, CN=loader-1 (clientAuth); subject_of(path)
    c.expired, c.expired_key        # a server certificate of the CA that expired in 2020
    c.other_ca                      # a second CA; c.other_client(_key) is signed by it
    c.read(path)                    # bytes, for grpcio's ssl_*_credentials

Nothing here is a secret worth the name: keys are unencrypted EC P-256, in a temp dir removed at
exit. available() says why certificates cannot be made (no openssl), for a test to skip.
"""
import os
import shutil
import subprocess

from .procs import run_cmd, tempdir

__all__ = ["Certs", "tls_certs", "openssl_missing"]


_CONFIG = """
[ ca ]
default_ca = testca
[ testca ]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}/newcerts
serial = {dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
commonName = supplied
organizationName = optional
[ server_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[ client_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
"""


def openssl_missing():
    """None, or why no certificates can be made here."""
    return None if shutil.which("openssl") else "the openssl program is not installed (scripts/install-deps.sh)"


class _CA:
    """A CA of its own folder (openssl ca's database), signing leaf certificates."""

    def __init__(self, root, name, cn):
        self.dir = os.path.join(root, name)
        os.makedirs(os.path.join(self.dir, "newcerts"))
        open(os.path.join(self.dir, "index.txt"), "w").close()
        with open(os.path.join(self.dir, "serial"), "w") as f:
            f.write("1000\n")
        self.config = os.path.join(self.dir, "openssl.cnf")
        with open(self.config, "w") as f:
            f.write(_CONFIG.format(dir=self.dir))
        self.cert = os.path.join(root, name + ".pem")
        self.key = os.path.join(self.dir, "ca.key")
        run_cmd(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "30", "-subj", "/CN=" + cn,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"])

    def issue(self, root, name, subject, ext, start=None, end=None):
        """(certificate path, key path) of a new key signed by this CA."""
        key = os.path.join(root, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        cert = os.path.join(root, name + ".pem")
        run_cmd(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", key, "-out", csr, "-subj", subject])
        argv = ["openssl", "ca", "-batch", "-notext", "-config", self.config, "-in", csr, "-out", cert,
                "-cert", self.cert, "-keyfile", self.key, "-extensions", ext]
        argv += ["-startdate", start, "-enddate", end] if start else ["-days", "30"]
        run_cmd(argv)
        os.chmod(key, 0o600)
        return cert, key


class Certs:
    def __init__(self):
        self.dir = tempdir("es-certs-")
        ca = _CA(self.dir, "ca", "embedstream test CA")
        self.ca = ca.cert
        self.server, self.server_key = ca.issue(self.dir, "server", "/CN=localhost", "server_ext")
        self.client, self.client_key = ca.issue(self.dir, "client", "/O=embedstream tests/CN=loader-1",
                                                "client_ext")
        self.expired, self.expired_key = ca.issue(self.dir, "expired", "/CN=localhost", "server_ext",
                                                  "20200101000000Z", "20200201000000Z")
        other = _CA(self.dir, "other-ca", "another CA")
        self.other_ca = other.cert
        self.other_client, self.other_client_key = other.issue(self.dir, "other-client",
                                                               "/CN=intruder", "client_ext")

    @staticmethod
    def read(path):
        with open(path, "rb") as f:
            return f.read()

    def subject_of(self, path):
        """The certificate's subject as OpenSSL prints it in RFC 2253 form (what gRPC reports)."""
        p = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", path],
                           capture_output=True, text=True, check=True)
        return p.stdout.strip().split("=", 1)[1]


_certs = None


def tls_certs():
    """The test process's one Certs (made on first use)."""
    global _certs
    if _certs is None:
        _certs = Certs()
    return _certs
