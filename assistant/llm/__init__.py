"""The optional LLM: a chat model at any OpenAI-compatible endpoint, the LLM interpreter,
and grounded narrative polishing. Off unless ``ACUITY_LLM_MODEL`` is set."""
