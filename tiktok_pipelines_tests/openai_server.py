"""A local OpenAI-compatible HTTP server for tests: the real `openai` client talks to it over HTTP.

    with OpenAICompatibleServer(api_key="sk-test") as server:
        server.route("POST", "/v1/audio/transcriptions", replies(error_reply(500), json_reply(body)))
        ...  # point the code under test at server.base_url
        assert server.requests[0].form["model"] == "whisper-1"

Handlers are registered per method and path and receive the parsed request; every request is
recorded (the Authorization header left out, whether its bearer key matched kept instead). A request
without the right bearer key gets OpenAI's 401 error body and never reaches a handler.

Chat completions (the LLM critique):

    server.route("POST", CHAT_COMPLETIONS, chat_reply({"adjustments": [], "findings": []}, usage=(900, 60)))
    server.route("POST", CHAT_COMPLETIONS, slow(chat_reply(...), seconds=2))  # past the client's timeout
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names; no Authorization
    bearer_ok: bool
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)  # multipart or urlencoded text fields
    files: dict[str, UploadedFile] = field(default_factory=dict)  # multipart file fields

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)


Handler = Callable[[RecordedRequest], Reply]


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    extra = tuple((headers or {}).items())
    return Reply(status, json.dumps(body).encode(), (("Content-Type", "application/json"), *extra))


def error_reply(status: int, message: str = "", *, type: str = "server_error", code: str | None = None) -> Reply:
    """OpenAI's error body: {"error": {"message", "type", "param", "code"}}."""
    return json_reply({"error": {"message": message or f"HTTP {status}", "type": type, "param": None, "code": code}}, status)


CHAT_COMPLETIONS = "/v1/chat/completions"


def chat_completion(choices: list[dict[str, Any]], usage: dict[str, Any] | tuple[int, int] | None = (10, 5),
                    model: str = "test-model") -> dict[str, Any]:
    """A chat.completion body; `usage` as (prompt_tokens, completion_tokens), a raw dict, or None to leave it out."""
    body: dict[str, Any] = {"id": "chatcmpl-test", "object": "chat.completion", "created": 1700000000,
                            "model": model, "choices": choices}
    if isinstance(usage, tuple):
        prompt, completion = usage
        body["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    elif usage is not None:
        body["usage"] = usage
    return body


def chat_reply(content_json: Any, usage: dict[str, Any] | tuple[int, int] | None = (10, 5), refusal: str | None = None,
               *, finish_reason: str = "stop", model: str = "test-model") -> Reply:
    """One assistant message. `content_json` is sent as its JSON text, or verbatim when it is a str (malformed
    replies); with `refusal` the content is null, as OpenAI sends a structured-outputs refusal."""
    content = None if refusal is not None else (content_json if isinstance(content_json, str) else json.dumps(content_json))
    message = {"role": "assistant", "content": content, "refusal": refusal}
    return json_reply(chat_completion([{"index": 0, "message": message, "finish_reason": finish_reason}], usage, model))


def slow(reply: Reply, seconds: float) -> Handler:
    """Answer with `reply` after `seconds` (timeout tests: the client has usually hung up by then)."""

    def handler(_: RecordedRequest) -> Reply:
        time.sleep(seconds)
        return reply

    return handler


def echo_headers(status: int, *, api_key: str) -> Handler:
    """An error whose message echoes the request headers, Authorization included (rebuilt from `api_key`
    when the bearer matched, since recorded requests never keep it): the worst case for secret leaks."""

    def handler(request: RecordedRequest) -> Reply:
        headers = dict(request.headers)
        if request.bearer_ok:
            headers["authorization"] = f"Bearer {api_key}"
        echoed = "; ".join(f"{k}: {v}" for k, v in sorted(headers.items()))
        return error_reply(status, f"bad request, headers were {echoed}", type="invalid_request_error")

    return handler


def replies(*sequence: Reply) -> Handler:
    """A handler answering with each reply in turn, then repeating the last (fault-then-recover tests)."""
    if not sequence:
        raise ValueError("replies() needs at least one reply")
    lock = threading.Lock()
    served = iter(range(len(sequence)))

    def handler(_: RecordedRequest) -> Reply:
        with lock:
            return sequence[next(served, len(sequence) - 1)]

    return handler


class OpenAICompatibleServer:
    """An HTTP server on 127.0.0.1 (a free port) in a background thread; use it as a context manager."""

    def __init__(self, api_key: str = "sk-test-local", handlers: dict[tuple[str, str], Handler] | None = None) -> None:
        self.api_key = api_key
        self._handlers: dict[tuple[str, str], Handler] = dict(handlers or {})
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- configuration -------------------------------------------------------------------------------

    def route(self, method: str, path: str, handler: Handler | Reply) -> None:
        """Answer method + path (e.g. "POST", "/v1/audio/transcriptions") with handler, or always with a Reply."""
        self._handlers[(method.upper(), path)] = handler if callable(handler) else (lambda _r, reply=handler: reply)

    # -- what happened -------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    # -- lifecycle -----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running; use it as a context manager")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Self:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._request_handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="openai-test-server", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    # -- internals -----------------------------------------------------------------------------------

    def _dispatch(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
        if not request.bearer_ok:
            return error_reply(401, "Incorrect API key provided.", type="invalid_request_error", code="invalid_api_key")
        handler = self._handlers.get((request.method, request.path))
        if handler is None:
            return error_reply(404, f"no route for {request.method} {request.path}", type="invalid_request_error")
        return handler(request)

    def _request_handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the openai client expects

            def _handle(self) -> None:
                body = _read_body(self)
                url = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}
                form, files = _parse_form(self.headers.get("Content-Type", ""), body)
                request = RecordedRequest(
                    method=self.command,
                    path=url.path,
                    query=parse_qs(url.query),
                    headers=headers,
                    bearer_ok=self.headers.get("Authorization") == f"Bearer {server.api_key}",
                    body=body,
                    form=form,
                    files=files,
                )
                try:
                    reply = server._dispatch(request)
                except Exception as exc:  # noqa: BLE001 -- a broken test handler should fail loudly, not hang the client
                    reply = error_reply(500, f"test handler raised {type(exc).__name__}: {exc}")
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up first (timeout tests)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

        return _Handler


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        return b"".join(_chunks(handler))
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _chunks(handler: BaseHTTPRequestHandler) -> Iterator[bytes]:
    while True:
        size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            handler.rfile.readline()  # the blank line after the last chunk
            return
        yield handler.rfile.read(size)
        handler.rfile.readline()


def _parse_form(content_type: str, body: bytes) -> tuple[dict[str, list[str]], dict[str, UploadedFile]]:
    form: dict[str, list[str]] = {}
    files: dict[str, UploadedFile] = {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return parse_qs(body.decode()), files
    if not content_type.startswith("multipart/form-data"):
        return form, files
    # The email package parses multipart/form-data bodies (the cgi module is gone in 3.13).
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = UploadedFile(str(filename), part.get_content_type(), payload)
        else:
            form.setdefault(str(name), []).append(payload.decode(part.get_content_charset() or "utf-8"))
    return form, files
