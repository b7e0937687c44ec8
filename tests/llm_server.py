"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for tests of the LLM path.

It speaks enough of the OpenAI API for the real ``openai`` client: ``POST
/v1/chat/completions`` (plain and ``stream: true`` server-sent events) and ``GET
/v1/models``. Each chat request takes the next scripted :class:`Reply` (or asks the
``responder`` callable when the script is empty), so a test states exactly what "the
model" answers: text, JSON, refusals, HTTP errors (429, 500, 503), slow replies,
malformed bodies. Every request is recorded (path, headers, query, JSON body) so tests
can assert what was sent, e.g. that no prompt carries patient identifiers.

>>> with ScriptedLLMServer() as srv:
...     _ = srv.script(Reply.text("hello"))
...     srv.base_url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Reply:
    """One scripted answer of the fake model (build with the class methods)."""

    content: str | None = None
    status: int = 200
    error_message: str = ""
    delay_s: float = 0.0
    refusal: str | None = None
    raw_body: bytes | None = None
    retry_after: str | None = None
    finish_reason: str = "stop"
    cut: bool = False  # streaming: stop half-way, without a finish reason or [DONE]

    @classmethod
    def text(cls, content: str, *, delay_s: float = 0.0) -> Reply:
        """A normal assistant message."""
        return cls(content=content, delay_s=delay_s)

    @classmethod
    def json(cls, obj: Any, *, delay_s: float = 0.0) -> Reply:
        """An assistant message whose content is ``obj`` as JSON."""
        return cls(content=json.dumps(obj), delay_s=delay_s)

    @classmethod
    def error(cls, status: int, message: str = "scripted error", *, retry_after: str | None = None) -> Reply:
        """An HTTP error response in OpenAI's error format."""
        return cls(status=status, error_message=message, retry_after=retry_after)

    @classmethod
    def refused(cls, reason: str = "I can't help with that.") -> Reply:
        """A structured-output refusal (``message.refusal`` set, no content)."""
        return cls(refusal=reason)

    @classmethod
    def slow(cls, delay_s: float, content: str = "late") -> Reply:
        """A message sent only after ``delay_s`` seconds (to trip client timeouts)."""
        return cls(content=content, delay_s=delay_s)

    @classmethod
    def cut_stream(cls, content: str) -> Reply:
        """A streamed reply that stops half-way (the connection closes early)."""
        return cls(content=content, cut=True)

    @classmethod
    def garbage(cls, body: bytes = b"{not json") -> Reply:
        """A 200 response whose body is not valid JSON."""
        return cls(raw_body=body)


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: dict[str, Any] | None

    @property
    def text(self) -> str:
        """The whole body as text (for scanning)."""
        return json.dumps(self.body, ensure_ascii=False) if self.body is not None else ""


@dataclass
class _State:
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)
    responder: Callable[[dict[str, Any]], Reply] | None = None
    supports_json_schema: bool = True
    supports_json_object: bool = True
    rejects_temperature: bool = False
    models: tuple[str, ...] = ("scripted-model",)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _completion(model: str, reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": reply.refusal}
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason, "logprobs": None}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunks(text: str, size: int = 7) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class _Handler(BaseHTTPRequestHandler):
    server_version = "ScriptedLLM/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> _State:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        return

    def _record(self, body: dict[str, Any] | None) -> None:
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        rec = Recorded(self.command, parts.path, parse_qs(parts.query), headers, body)
        with self.state.lock:
            self.state.requests.append(rec)

    def _send_json(self, status: int, obj: Any, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode()
        self._send_bytes(status, data, extra)

    def _send_bytes(self, status: int, data: bytes, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.wfile.write(data)

    def do_GET(self) -> None:
        self._record(None)
        if urlsplit(self.path).path.rstrip("/").endswith("/models"):
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "scripted"} for m in self.state.models
            ]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._record(None)
            self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        self._record(body)
        if not urlsplit(self.path).path.rstrip("/").endswith("/chat/completions"):
            self._send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        rejected = self._unsupported_format(body)
        if rejected:
            self._send_json(400, {"error": {"message": rejected, "type": "invalid_request_error"}})
            return
        reply = self._next_reply(body)
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if reply.status != 200:
            extra = {"Retry-After": reply.retry_after} if reply.retry_after else None
            err = {"error": {"message": reply.error_message, "type": "scripted", "code": str(reply.status)}}
            self._send_json(reply.status, err, extra)
        elif reply.raw_body is not None:
            self._send_bytes(200, reply.raw_body)
        elif body.get("stream"):
            self._stream(body.get("model", ""), reply)
        else:
            self._send_json(200, _completion(body.get("model", ""), reply))

    def _unsupported_format(self, body: dict[str, Any]) -> str:
        if self.state.rejects_temperature and "temperature" in body:
            return "Unsupported value: 'temperature' does not support 0 with this model."
        kind = (body.get("response_format") or {}).get("type")
        if kind == "json_schema" and not self.state.supports_json_schema:
            return "response_format json_schema is not supported by this server"
        if kind == "json_object" and not self.state.supports_json_object:
            return "response_format json_object is not supported by this server"
        return ""

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self.state.lock:
            if self.state.replies:
                return self.state.replies.popleft()
            responder = self.state.responder
        if responder is None:
            return Reply.error(500, "the scripted server has no reply left")
        return responder(body)

    def _stream(self, model: str, reply: Reply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": model}
        pieces = [{"role": "assistant", "content": ""}]
        pieces += [{"content": c} for c in _chunks(reply.content or "")]
        if reply.cut:
            pieces = pieces[: len(pieces) // 2]
        try:
            for delta in pieces:
                chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.flush()
            if reply.cut:
                return
            last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]}
            self.wfile.write(b"data: " + json.dumps(last).encode() + b"\n\n")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


class ScriptedLLMServer:
    """The server; use as a context manager. ``base_url`` ends in ``/v1``."""

    def __init__(self, *, supports_json_schema: bool = True, supports_json_object: bool = True) -> None:
        self._state = _State(
            supports_json_schema=supports_json_schema, supports_json_object=supports_json_object
        )
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.state = self._state  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="scripted-llm", daemon=True
        )

    def __enter__(self) -> ScriptedLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving and free the port."""
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *replies: Reply) -> ScriptedLLMServer:
        """Queue replies, answered in order, one per chat request."""
        with self._state.lock:
            self._state.replies.extend(replies)
        return self

    @property
    def pending(self) -> int:
        """Scripted replies not used yet."""
        return len(self._state.replies)

    def set_responder(self, responder: Callable[[dict[str, Any]], Reply] | None) -> None:
        """Answer requests with ``responder(body)`` once the script is empty."""
        self._state.responder = responder

    def set_support(
        self,
        *,
        json_schema: bool | None = None,
        json_object: bool | None = None,
        temperature: bool | None = None,
    ) -> None:
        """Change which ``response_format`` kinds (and whether ``temperature``) the server accepts; else 400."""
        if temperature is not None:
            self._state.rejects_temperature = not temperature
        if json_schema is not None:
            self._state.supports_json_schema = json_schema
        if json_object is not None:
            self._state.supports_json_object = json_object

    @property
    def requests(self) -> list[Recorded]:
        """Every request received so far, in order."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def chat_requests(self) -> list[Recorded]:
        """The chat-completion requests received so far."""
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def clear(self) -> None:
        """Forget recorded requests and pending replies."""
        with self._state.lock:
            self._state.requests.clear()
            self._state.replies.clear()
