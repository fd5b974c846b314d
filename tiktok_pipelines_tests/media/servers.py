"""Real local servers for media tests: moto's S3 server and a small HTTP(S) file server.

The HTTPS server uses a self-signed certificate for 127.0.0.1/localhost made with `cryptography`;
clients trust it by passing the certificate file as their CA bundle (`verify=<cert path>`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit

# --- S3 (moto) ---------------------------------------------------------------------------------------------


@contextmanager
def moto_s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free loopback port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint_url: str) -> Any:
    """A boto3 S3 client for the moto server, with fake credentials so nothing can reach real AWS."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


# --- TLS -----------------------------------------------------------------------------------------------------


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """Write cert.pem and key.pem for 127.0.0.1 and localhost into `folder`; return their paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tiktok_pipelines test server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


# --- HTTP(S) file server ---------------------------------------------------------------------------------------

Route = Callable[[BaseHTTPRequestHandler], None]


class FileServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 whose paths are answered by `routes`.

    `hits` counts requests per path (query string removed), so tests can assert that a request was
    retried, or never sent at all."""

    def __init__(self, *, tls: tuple[Path, Path] | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, client_address: None  # clients hang up on purpose
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            # Handshake in the request thread, so one bad client cannot stall the accept loop.
            self._httpd.socket = context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.scheme = "https" if tls else "http"
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def record(self, path: str) -> int:
        with self._lock:
            self.hits[path] += 1
            return self.hits[path]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _handler_for(server: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            server.record(path)
            route = server.routes.get(path)
            if route is None:
                send_body(self, 404, b"not found", "text/plain")
                return
            try:
                route(self)
            except OSError:  # the client hung up mid-answer: expected when it enforces a cap
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def send_body(h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, **headers: str) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.end_headers()
    h.wfile.write(body)


def serve_bytes(body: bytes, content_type: str) -> Route:
    return lambda h: send_body(h, 200, body, content_type)


def redirect_to(location: str, status: int = 302) -> Route:
    return lambda h: send_body(h, status, b"", "text/plain", Location=location)


def huge_content_length(declared: int, content_type: str = "video/mp4") -> Route:
    """Announces `declared` bytes, sends a few, then hangs up."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(declared))
        h.end_headers()
        h.wfile.write(b"\0" * 1024)
        h.close_connection = True

    return route


def chunked_stream(total: int, chunk: int = 16 * 1024, content_type: str = "video/mp4") -> Route:
    """A chunked body of `total` bytes with no Content-Length: only a running count can cap it."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        sent = 0
        while sent < total:
            size = min(chunk, total - sent)
            h.wfile.write(f"{size:x}\r\n".encode() + b"\1" * size + b"\r\n")
            sent += size
        h.wfile.write(b"0\r\n\r\n")

    return route


def dripping(chunks: int, chunk: int = 1024, every_s: float = 0.1, content_type: str = "video/mp4") -> Route:
    """A chunked body sent slowly: each chunk arrives well within a read timeout, the whole does not."""

    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(chunks):
            h.wfile.write(f"{chunk:x}\r\n".encode() + b"\2" * chunk + b"\r\n")
            h.wfile.flush()
            time.sleep(every_s)
        h.wfile.write(b"0\r\n\r\n")

    return route


def failing_first(failures: int, then: Route, status: int = 503) -> Route:
    """Answers `status` to the first `failures` requests, then behaves like `then`."""
    calls = Counter[str]()
    lock = threading.Lock()

    def route(h: BaseHTTPRequestHandler) -> None:
        with lock:
            calls["n"] += 1
            n = calls["n"]
        if n <= failures:
            send_body(h, status, b"busy", "text/plain", Retry_After="0")
        else:
            then(h)

    return route


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
