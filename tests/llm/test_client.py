"""The OpenAI-compatible client against the scripted server: retries, timeouts, formats, streaming."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.llm.client import ChatModel, LLMError, OpenAIChatModel, RetryPolicy, make_chat_model
from assistant.settings import load_settings
from tests.llm_server import Reply, ScriptedLLMServer

ASK = [{"role": "user", "content": "How many visits last month?"}]
SCHEMA = {
    "type": "object",
    "properties": {"n": {"type": "integer"}},
    "required": ["n"],
    "additionalProperties": False,
}


def test_plain_reply_and_request_body(chat, server):
    server.script(Reply.text("hello"))
    reply = chat.complete(ASK)
    assert reply.text == "hello" and reply.refusal is None and reply.json_mode is None
    (req,) = server.chat_requests
    assert req.body["model"] == "scripted-model"
    assert req.body["messages"] == ASK
    assert req.headers["authorization"] == "Bearer test-key"


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_errors_are_retried_with_backoff(chat, server, sleeps, status):
    server.script(Reply.error(status), Reply.error(status), Reply.text("third time"))
    assert chat.complete(ASK).text == "third time"
    assert len(server.chat_requests) == 3
    assert sleeps.waits == [0.05, 0.1]  # exponential


def test_retries_are_bounded(chat, server, sleeps):
    server.script(*[Reply.error(503)] * 5)
    with pytest.raises(LLMError) as err:
        chat.complete(ASK)
    assert err.value.reason == "server_error" and err.value.attempts == 3
    assert len(server.chat_requests) == 3 and server.pending == 2


def test_retry_after_header_is_honoured_up_to_the_cap(chat, server, sleeps):
    server.script(Reply.error(429, retry_after="0.3"), Reply.error(429, retry_after="60"), Reply.text("ok"))
    assert chat.complete(ASK).text == "ok"
    assert sleeps.waits == [0.3, 1.0]


def test_rate_limit_exhausted_is_typed(chat, server):
    server.script(*[Reply.error(429, "slow down")] * 3)
    with pytest.raises(LLMError) as err:
        chat.complete(ASK)
    assert err.value.reason == "rate_limited"
    assert "slow down" in str(err.value)


def test_client_errors_are_not_retried(chat, server, sleeps):
    server.script(Reply.error(401, "bad key"), Reply.text("never"))
    with pytest.raises(LLMError) as err:
        chat.complete(ASK)
    assert err.value.reason == "auth" and sleeps.waits == []
    assert len(server.chat_requests) == 1


def test_slow_reply_times_out_then_retry_succeeds(chat, server):
    server.script(Reply.slow(1.5, "too late"), Reply.text("on time"))
    assert chat.complete(ASK).text == "on time"
    assert len(server.chat_requests) == 2


def test_timeouts_exhausted_are_typed(server, sleeps):
    chat = OpenAIChatModel(
        "m", base_url=server.base_url, timeout_s=0.2, retry=RetryPolicy(1, 0.01), sleep=sleeps
    )
    server.script(Reply.slow(0.8), Reply.slow(0.8))
    with pytest.raises(LLMError) as err:
        chat.complete(ASK)
    assert err.value.reason == "timeout" and err.value.attempts == 2


def test_connection_refused_is_typed(sleeps):
    with ScriptedLLMServer() as srv:
        url = srv.base_url
    chat = OpenAIChatModel("m", base_url=url, timeout_s=0.5, retry=RetryPolicy(1, 0.01), sleep=sleeps)
    with pytest.raises(LLMError) as err:
        chat.complete(ASK)
    assert err.value.reason == "connection" and len(sleeps.waits) == 1


@pytest.mark.parametrize("body", [b"{not json", b'{"choices": []}', b"[1, 2]"])
def test_malformed_response_bodies_are_typed(chat, server, body):
    server.script(Reply.garbage(body))
    with pytest.raises(LLMError) as err:
        chat.complete(ASK)
    assert err.value.reason == "malformed_response"


def test_structured_output_is_requested_with_the_schema(chat, server):
    server.script(Reply.json({"n": 3}))
    reply = chat.complete(ASK, json_schema=SCHEMA)
    assert reply.json_mode == "json_schema" and reply.text == '{"n": 3}'
    fmt = server.chat_requests[0].body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"] == SCHEMA and fmt["json_schema"]["strict"] is True


def test_json_mode_fallback_is_remembered(chat, server):
    server.set_support(json_schema=False)
    server.script(Reply.json({"n": 1}), Reply.json({"n": 2}))
    assert chat.complete(ASK, json_schema=SCHEMA).json_mode == "json_object"
    assert chat.complete(ASK, json_schema=SCHEMA).json_mode == "json_object"
    kinds = [(r.body.get("response_format") or {}).get("type") for r in server.chat_requests]
    assert kinds == ["json_schema", "json_object", "json_object"]


def test_plain_text_fallback_when_no_json_mode(chat, server):
    server.set_support(json_schema=False, json_object=False)
    server.script(Reply.json({"n": 1}))
    assert chat.complete(ASK, json_schema=SCHEMA).json_mode == "text"
    assert "response_format" not in server.chat_requests[-1].body


def test_refusal_is_surfaced(chat, server):
    server.script(Reply.refused("I cannot share patient details."))
    reply = chat.complete(ASK, json_schema=SCHEMA)
    assert reply.refusal == "I cannot share patient details." and reply.text == ""


def test_streaming_yields_chunks(chat, server):
    text = "Completed visits rose to 1,234 in September, up 5% on August."
    server.script(Reply.text(text))
    chunks = list(chat.stream(ASK))
    assert len(chunks) > 3 and "".join(chunks) == text
    assert server.chat_requests[0].body["stream"] is True


def test_streaming_retries_before_the_first_chunk(chat, server):
    server.script(Reply.error(500), Reply.text("fine"))
    assert "".join(chat.stream(ASK)) == "fine"


def test_list_models(chat, server):
    assert chat.list_models() == ["scripted-model"]
    assert server.requests[-1].path == "/v1/models"


def test_make_chat_model_off_when_model_unset(tmp_path: Path):
    assert make_chat_model(load_settings({}, tmp_path)) is None


def test_make_chat_model_wires_settings(server, tmp_path: Path):
    env = {"ACUITY_LLM_MODEL": "llama3.1", "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "ollama"}
    chat = make_chat_model(load_settings(env, tmp_path), retry=RetryPolicy(0))
    assert isinstance(chat, ChatModel) and chat.name == "llama3.1"
    server.script(Reply.text("hi"))
    assert chat.complete(ASK).text == "hi"
    assert server.chat_requests[0].body["model"] == "llama3.1"


def test_secrets_toml_configures_the_model(server, tmp_path: Path):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'ACUITY_LLM_MODEL = "qwen2.5"\nOPENAI_BASE_URL = "{server.base_url}"\n'
    )
    chat = make_chat_model(load_settings({}, tmp_path))
    assert chat is not None and chat.name == "qwen2.5"


def test_azure_style_url_sends_api_version_and_api_key(server, tmp_path: Path):
    url = server.base_url + "?api-version=2024-10-21"
    env = {"ACUITY_LLM_MODEL": "gpt-4o-mini", "OPENAI_BASE_URL": url, "OPENAI_API_KEY": "azure-key"}
    chat = make_chat_model(load_settings(env, tmp_path))
    server.script(Reply.text("hi"))
    assert chat.complete(ASK).text == "hi"
    req = server.chat_requests[0]
    assert req.path == "/v1/chat/completions"
    assert req.query == {"api-version": ["2024-10-21"]}
    assert req.headers["api-key"] == "azure-key"


def test_docs_cover_every_llm_setting_and_endpoint():
    from assistant.settings import SETTINGS_HELP

    doc = (Path(__file__).parents[2] / "docs" / "llm.md").read_text()
    llm_settings = [k for k in SETTINGS_HELP if k.startswith(("OPENAI_", "ACUITY_LLM_"))]
    assert len(llm_settings) == 4 and all(f"`{k}`" in doc for k in llm_settings)
    for recipe in (
        "### OpenAI",
        "### Azure OpenAI",
        "### Ollama",
        "### vLLM",
        "### llama.cpp",
        "acuity eval",
    ):
        assert recipe in doc


def test_endpoint_rejecting_temperature_is_sent_none(chat, server):
    server.set_support(temperature=False)
    server.script(Reply.json({"n": 1}), Reply.text("again"))
    assert chat.complete(ASK, json_schema=SCHEMA).json_mode == "json_schema"
    assert chat.complete(ASK).text == "again"
    sent = ["temperature" in r.body for r in server.chat_requests]
    assert sent == [True, False, False]  # learnt once, remembered


def test_unrelated_bad_request_does_not_downgrade_json_mode(chat, server):
    server.script(*[Reply.error(400, "context length exceeded")] * 3, Reply.json({"n": 1}))
    with pytest.raises(LLMError) as err:
        chat.complete(ASK, json_schema=SCHEMA)
    assert err.value.reason == "bad_request"
    assert chat.complete(ASK, json_schema=SCHEMA).json_mode == "json_schema"


def test_shared_chat_model_is_built_once_per_endpoint(server, tmp_path: Path):
    from assistant.llm.client import shared_chat_model

    env = {"ACUITY_LLM_MODEL": "m1", "OPENAI_BASE_URL": server.base_url}
    first = shared_chat_model(load_settings(env, tmp_path))
    assert first is shared_chat_model(load_settings(env, tmp_path))
    assert shared_chat_model(load_settings({**env, "ACUITY_LLM_MODEL": "m2"}, tmp_path)) is not first
    assert shared_chat_model(load_settings({}, tmp_path)) is None


def test_stream_cut_short_is_an_error(chat, server):
    server.script(Reply.cut_stream("Completed visits rose to 1,234 in September, up 5% on August."))
    chunks = []
    with pytest.raises(LLMError) as err:
        chunks.extend(chat.stream(ASK))
    assert err.value.reason == "stream_cut" and chunks  # some text came first


def test_stream_stopped_by_length_is_an_error(chat, server):
    from dataclasses import replace

    server.script(replace(Reply.text("Visits rose to"), finish_reason="length"))
    with pytest.raises(LLMError) as err:
        list(chat.stream(ASK))
    assert err.value.reason == "length"
