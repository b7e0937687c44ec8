"""The chat model behind a small ``ChatModel`` protocol, and its OpenAI-compatible implementation.

``OpenAIChatModel`` talks to any endpoint that speaks the OpenAI chat-completions API
(OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp's server) through the ``openai`` client,
with a timeout per request, bounded retries with exponential backoff on timeouts,
connection errors, 429 and 5xx, and streaming. JSON replies ask for structured output
(``response_format={"type": "json_schema", ...}``) and step down to JSON mode, then to a
plain request, when the endpoint rejects the format with a 400; the step-down is
remembered. ``make_chat_model`` is the one place that wires settings to a model.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import openai

from assistant.settings import Settings

log = logging.getLogger(__name__)

Message = Mapping[str, str]
JsonMode = Literal["json_schema", "json_object", "text"]
_MODES: tuple[JsonMode, ...] = ("json_schema", "json_object", "text")


class LLMError(Exception):
    """A chat request failed for good (after any retries); ``reason`` is a short tag."""

    def __init__(self, message: str, *, reason: str, model: str = "", attempts: int = 1) -> None:
        super().__init__(message)
        self.reason = reason
        self.model = model
        self.attempts = attempts


@dataclass(frozen=True)
class ChatReply:
    """One assistant message: its text, or the model's refusal, and how JSON was requested."""

    text: str
    refusal: str | None = None
    finish_reason: str | None = None
    json_mode: JsonMode | None = None


@runtime_checkable
class ChatModel(Protocol):
    """What the interpreter and the narrative polisher need from a chat model."""

    name: str

    def complete(
        self, messages: Sequence[Message], *, json_schema: Mapping[str, Any] | None = None
    ) -> ChatReply:
        """One reply; with ``json_schema``, ask for JSON matching it (as well as the endpoint can)."""
        ...

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """The reply as text chunks, as they arrive."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: ``max_retries`` more attempts, waiting ``backoff_s * 2**n`` (capped)."""

    max_retries: int = 2
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        wait = self.backoff_s * (2**attempt)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_backoff_s)


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _transient(exc: Exception) -> str | None:
    """A reason tag if ``exc`` is worth retrying, else None."""
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited"
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return "server_error"
    return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return "auth"
    if isinstance(exc, openai.NotFoundError):
        return "not_found"
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return "bad_request"
    if isinstance(exc, openai.APIResponseValidationError):
        return "malformed_response"
    return _transient(exc) or "error"


def _rejects_temperature(exc: Exception) -> bool:
    return isinstance(exc, openai.BadRequestError) and "temperature" in str(exc).lower()


def _response_format(mode: JsonMode, schema: Mapping[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "answer", "strict": True, "schema": dict(schema)},
        }
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def split_api_version(base_url: str | None) -> tuple[str | None, str | None]:
    """``(base_url without api-version, api-version)``: Azure-style URLs carry ``?api-version=``.

    >>> split_api_version("https://x.openai.azure.com/openai/deployments/gpt?api-version=2024-10-21")
    ('https://x.openai.azure.com/openai/deployments/gpt', '2024-10-21')
    >>> split_api_version("http://localhost:11434/v1")
    ('http://localhost:11434/v1', None)
    """
    if not base_url:
        return base_url, None
    parts = urlsplit(base_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    version = next((v for k, v in query if k == "api-version"), None)
    rest = urlencode([(k, v) for k, v in query if k != "api-version"])
    return urlunsplit(parts._replace(query=rest)), version


class OpenAIChatModel:
    """``ChatModel`` over the ``openai`` client, for any OpenAI-compatible endpoint."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        temperature: float | None = 0.0,
        sleep: Any = time.sleep,
        http_client: Any = None,
    ) -> None:
        url, api_version = split_api_version(base_url)
        headers: dict[str, str] = {}
        query: dict[str, str] | None = None
        if api_version:  # Azure OpenAI (classic deployments URL): api-key header + api-version query
            query = {"api-version": api_version}
            if api_key:
                headers["api-key"] = api_key
        self.name = model
        self.retry = retry or RetryPolicy()
        self.temperature = temperature
        self._sleep = sleep
        self._mode_floor = 0  # index into _MODES of the richest JSON mode not rejected yet
        self._client = openai.OpenAI(
            api_key=api_key or "not-needed",
            base_url=url,
            timeout=timeout_s,
            max_retries=0,  # retries are ours: bounded, with our backoff, and logged
            default_headers=headers or None,
            default_query=query,
            http_client=http_client,  # e.g. an httpx client with a practice's own CA bundle
        )

    def __repr__(self) -> str:
        return f"OpenAIChatModel({self.name!r}, base_url={str(self._client.base_url)!r})"

    def _call(self, **kwargs: Any) -> Any:
        """One request with bounded retries on transient failures; raises ``LLMError``."""
        attempt = 0
        while True:
            try:
                return self._client.chat.completions.create(model=self.name, **kwargs)
            except openai.OpenAIError as exc:
                if _rejects_temperature(exc) and "temperature" in kwargs:
                    log.info("endpoint rejects temperature for %r; sending none from now on", self.name)
                    self.temperature = None  # e.g. reasoning models accept only their default
                    kwargs.pop("temperature")
                    continue
                transient = _transient(exc)
                if transient is None or attempt >= self.retry.max_retries:
                    raise LLMError(
                        f"LLM request to {self.name!r} failed ({_reason(exc)}) after {attempt + 1} attempt(s): {exc}",
                        reason=_reason(exc),
                        model=self.name,
                        attempts=attempt + 1,
                    ) from exc
                wait = self.retry.delay(attempt, _retry_after(exc))
                log.warning("LLM %s (%s); retry %d in %.2fs", transient, exc, attempt + 1, wait)
                self._sleep(wait)
                attempt += 1
            except Exception as exc:  # e.g. a body that is not JSON: the endpoint is broken, not us
                raise self._broken(exc) from exc

    def _broken(self, exc: Exception) -> LLMError:
        reason = "malformed_response" if isinstance(exc, ValueError | TypeError | KeyError) else "error"
        return LLMError(
            f"LLM {self.name!r} sent an unusable response: {exc!r}", reason=reason, model=self.name
        )

    def _options(self) -> dict[str, Any]:
        return {} if self.temperature is None else {"temperature": self.temperature}

    def complete(
        self, messages: Sequence[Message], *, json_schema: Mapping[str, Any] | None = None
    ) -> ChatReply:
        """One reply; asks for structured output, stepping down when the endpoint refuses it."""
        msgs = [dict(m) for m in messages]
        if json_schema is None:
            return self._reply(self._call(messages=msgs, **self._options()), None)
        start = self._mode_floor
        while True:
            mode = _MODES[self._mode_floor]
            fmt = _response_format(mode, json_schema)
            extra = {"response_format": fmt} if fmt else {}
            try:
                return self._reply(self._call(messages=msgs, **extra, **self._options()), mode)
            except LLMError as exc:
                if exc.reason != "bad_request" or mode == "text":
                    if exc.reason == "bad_request":
                        self._mode_floor = start  # every mode failed alike: the format was not the problem
                    raise
                log.info("endpoint rejected response_format %s (%s); stepping down", mode, exc)
                self._mode_floor += 1

    def _reply(self, completion: Any, mode: JsonMode | None) -> ChatReply:
        choices = getattr(completion, "choices", None)
        choice = choices[0] if isinstance(choices, list) and choices else None
        message = getattr(choice, "message", None)
        content, refusal = getattr(message, "content", None), getattr(message, "refusal", None)
        if not isinstance(content, str | None) or not isinstance(refusal, str | None) or message is None:
            raise LLMError(
                f"LLM {self.name!r} returned no usable message", reason="malformed_response", model=self.name
            )
        return ChatReply(content or "", refusal, getattr(choice, "finish_reason", None), mode)

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Text chunks as they arrive; retries apply to opening the stream only."""
        stream = self._call(messages=[dict(m) for m in messages], stream=True, **self._options())
        finish = None
        try:
            for chunk in stream:
                for choice in getattr(chunk, "choices", None) or ():
                    piece = getattr(choice.delta, "content", None)
                    if piece:
                        yield piece
                    finish = getattr(choice, "finish_reason", None) or finish
        except openai.OpenAIError as exc:
            raise LLMError(
                f"LLM stream from {self.name!r} broke: {exc}", reason=_reason(exc), model=self.name
            ) from exc
        except Exception as exc:
            raise self._broken(exc) from exc
        finally:
            stream.close()
        if finish is None or finish in ("length", "content_filter"):
            reason = "stream_cut" if finish is None else finish
            raise LLMError(
                f"LLM stream from {self.name!r} ended early ({reason})", reason=reason, model=self.name
            )

    def list_models(self) -> list[str]:
        """Model ids the endpoint serves (a connectivity check for ``/v1/models``)."""
        try:
            return [m.id for m in self._client.models.list()]
        except openai.OpenAIError as exc:
            raise LLMError(f"cannot list models: {exc}", reason=_reason(exc), model=self.name) from exc


def make_chat_model(
    settings: Settings,
    *,
    timeout_s: float = 30.0,
    retry: RetryPolicy | None = None,
) -> ChatModel | None:
    """The configured chat model, or None when ``ACUITY_LLM_MODEL`` is unset (LLM off)."""
    if not settings.llm_enabled or not settings.llm_model:
        return None
    return OpenAIChatModel(
        settings.llm_model,
        base_url=settings.openai_base_url,
        api_key=settings.openai_api_key,
        timeout_s=timeout_s,
        retry=retry,
    )


_SHARED: dict[tuple[str | None, ...], ChatModel | None] = {}
_SHARED_LOCK = threading.Lock()


def shared_chat_model(settings: Settings) -> ChatModel | None:
    """:func:`make_chat_model`, built once per endpoint and model in this process (thread-safe)."""
    key = (settings.llm_model, settings.openai_base_url, settings.openai_api_key)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = make_chat_model(settings)
        return _SHARED[key]
