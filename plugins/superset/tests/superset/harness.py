# Test harness of plugins/superset/tests/init_job.rs (ours, not Superset's), run by the Python of
# a venv with apache-superset 5.0. Two commands:
#
#   harness.py certs DIR            a CA (DIR/ca.crt) and a server certificate for
#                                   trino.trino.svc signed by it (DIR/server.crt, DIR/server.key)
#   harness.py check EXPECTED.json  after the init script ran: reads Superset's metadata database
#                                   through Superset's own models, and runs `SELECT 1` on the
#                                   registered Trino database through Superset's engine, against a
#                                   fake Trino (HTTPS, the certificate above, Basic auth) on
#                                   loopback; prints what it found as JSON.
#
# The fake Trino answers the Trino client protocol's first request (POST /v1/statement) with a
# finished query of one row, only when the Basic credentials are the expected ones (401
# otherwise), and records what it was sent. The connection's host and port are the registered
# ones: `socket.getaddrinfo` maps that host:port to the fake server's loopback port, nothing else.
import base64
import datetime
import json
import os
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def certs(out):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dataplat test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trino.trino.svc")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("trino.trino.svc")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    with open(os.path.join(out, "ca.crt"), "wb") as f:
        f.write(ca.public_bytes(pem))
    with open(os.path.join(out, "server.crt"), "wb") as f:
        f.write(server.public_bytes(pem))
    with open(os.path.join(out, "server.key"), "wb") as f:
        f.write(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )


def fake_trino(cert, key, user, password, seen):
    expected = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            seen.append({"path": self.path, "sql": body, "user": self.headers.get("X-Trino-User"),
                         "catalog": self.headers.get("X-Trino-Catalog"),
                         "authorized": self.headers.get("Authorization") == expected})
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", "Basic realm=\"Trino\"")
                self.end_headers()
                return
            result = {
                "id": "q1", "infoUri": "https://trino.trino.svc:8443/ui/query.html?q1",
                "columns": [{"name": "_col0", "type": "integer",
                             "typeSignature": {"rawType": "integer", "arguments": []}}],
                "data": [[1]],
                "stats": {"state": "FINISHED", "queued": False, "scheduled": True, "nodes": 1,
                          "totalSplits": 0, "queuedSplits": 0, "runningSplits": 0,
                          "completedSplits": 0, "cpuTimeMillis": 0, "wallTimeMillis": 0,
                          "queuedTimeMillis": 0, "elapsedTimeMillis": 0, "processedRows": 0,
                          "processedBytes": 0, "peakMemoryBytes": 0, "spilledBytes": 0},
                "warnings": [],
            }
            data = json.dumps(result).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_DELETE(self):
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def check(expected_path):
    with open(expected_path) as f:
        expected = json.load(f)
    seen = []
    port = fake_trino(expected["server_cert"], expected["server_key"], expected["trino_user"],
                      expected["trino_password"], seen)
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, p, *args, **kwargs):
        if host == expected["trino_host"] and int(p) == int(expected["trino_port"]):
            return real_getaddrinfo("127.0.0.1", port, *args, **kwargs)
        return real_getaddrinfo(host, p, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo

    from superset.app import create_app

    app = create_app()
    out = {}
    with app.app_context():
        from sqlalchemy import text
        from superset import db, security_manager
        from superset.models.core import Database
        from werkzeug.security import check_password_hash

        user = security_manager.find_user(username=expected["admin_username"])
        out["admin_exists"] = user is not None
        out["admin_password_matches"] = bool(user) and check_password_hash(user.password, expected["admin_password"])
        out["admin_is_admin"] = bool(user) and any(r.name == "Admin" for r in user.roles)
        databases = db.session.query(Database).filter_by(database_name=expected["database_name"]).all()
        out["databases"] = len(databases)
        database = databases[0]
        out["uri"] = database.sqlalchemy_uri
        out["password_matches"] = database.password == expected["trino_password"]
        out["extra"] = json.loads(database.extra)
        out["expose_in_sqllab"] = database.expose_in_sqllab
        with database.get_sqla_engine() as engine:
            out["dialect"] = engine.dialect.name
            with engine.connect() as connection:
                out["rows"] = [list(r) for r in connection.execute(text("SELECT 1")).fetchall()]
    out["requests"] = seen
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "certs":
        certs(sys.argv[2])
    elif sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        sys.exit("usage: harness.py certs DIR | check EXPECTED.json")
