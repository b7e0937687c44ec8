"""Fixtures for the LLM tests: a scripted OpenAI-compatible server and a real client on it."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from assistant.llm.client import OpenAIChatModel, RetryPolicy
from tests.llm_server import ScriptedLLMServer


class SleepLog:
    """Records the backoff waits instead of sleeping (tests stay fast)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def server() -> Iterator[ScriptedLLMServer]:
    """A fresh scripted server on 127.0.0.1."""
    with ScriptedLLMServer() as srv:
        yield srv


@pytest.fixture
def sleeps() -> SleepLog:
    """The waits the client asked for."""
    return SleepLog()


@pytest.fixture(scope="session")
def http_client() -> Iterator[openai.DefaultHttpxClient]:
    """One HTTP client for the session (building its TLS context costs ~0.1 s a time)."""
    client = openai.DefaultHttpxClient()
    yield client
    client.close()


@pytest.fixture
def chat(server: ScriptedLLMServer, sleeps: SleepLog, http_client) -> OpenAIChatModel:
    """The real OpenAI client pointed at ``server``: 2 retries, 0.5 s timeout, recorded backoff."""
    return OpenAIChatModel(
        "scripted-model",
        base_url=server.base_url,
        api_key="test-key",
        timeout_s=0.5,
        retry=RetryPolicy(max_retries=2, backoff_s=0.05, max_backoff_s=1.0),
        sleep=sleeps,
        http_client=http_client,
    )
