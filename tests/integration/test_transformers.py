"""Hugging Face ``transformers`` Flax models (4.x, the last line with Flax), random weights.

Each model is built from a tiny config with ``Flax<Model>(config, seed=0,
_do_init=False)`` and random params from its jitted ``init_weights`` (nothing
downloaded), and converted as users call it:
``lambda ids: model(ids, params=params).last_hidden_state`` (or ``.logits``) with integer
tokens of shape ``("B", T)`` / float pixels ``("B", C, H, W)`` / audio
``("B", S)``. Checked by :func:`._check.check` at B=1 and B=3.

Families with LayerNorm and GELU also assert both stay whole
(``LayerNormalization`` / ``Gelu``): Hugging Face takes GELU from its
``ACT2FN`` table of ``functools.partial(jax.nn.gelu, ...)`` objects, which the
component patches reach through ``plugin.patches.REGISTRIES``. CLIP uses
``quick_gelu`` (``x * sigmoid(1.702 x)``, not ONNX's Gelu) and Llama RMSNorm +
SiLU written out by hand, so those assert LayerNorm only / nothing.

CI runs BERT; the rest are ``slow`` (nightly, ``make integration``).
"""

from __future__ import annotations

import numpy as np
import pytest

T = pytest.importorskip("transformers", reason="transformers is not installed (pip install -e '.[integration]')")
if not T.utils.is_flax_available():
    pytest.skip("transformers is installed without its Flax models (needs flax)", allow_module_level=True)

from ._check import check, convert, randn, spec, tokens  # noqa: E402

LIB = "transformers"
VOCAB, SEQ = 100, 8
slow = pytest.mark.slow
pytestmark = pytest.mark.filterwarnings("ignore:.*TensorFlow and JAX classes are deprecated:FutureWarning")

LN_GELU = ("LayerNormalization", "Gelu")


def _text(fn, n_inputs=1):
    """inputs (specs) and make_inputs for ``n_inputs`` token arrays of shape (B, SEQ)."""
    specs = [spec(("B", SEQ), np.int32)] * n_inputs

    def make(b):
        rng = np.random.default_rng(b)
        return [tokens(rng, b, SEQ, VOCAB) for _ in range(n_inputs)]

    return specs, make


def _build(cls, cfg, **kwargs):
    """``cls(cfg, _do_init=False)`` and its random params from one jitted ``init_weights``.

    Hugging Face's eager init dispatches every initializer op by op (tens of seconds on
    a loaded 2-core machine); jitting the same ``init_weights`` gives the same kind of
    random weights at the cost of one compilation. The model is then called as its
    docs show for ``_do_init=False``: ``model(inputs, params=params)``.
    """
    import jax

    model = cls(cfg, seed=0, _do_init=False, **kwargs)
    init = jax.jit(model.init_weights, static_argnums=1)
    return model, init(jax.random.PRNGKey(0), tuple(model.input_shape))


def _run(record_property, name, fn, specs, make, fused=(), **kw):
    model, secs = convert(fn, specs)
    return check(record_property, LIB, name, model, fn, make, seconds=secs, fused=fused, **kw)


def test_bert(record_property):
    """BERT encoder (2 layers): exact GELU, LayerNorm, attention with the default all-ones mask."""
    cfg = T.BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=64, max_position_embeddings=64)
    model, params = _build(T.FlaxBertModel, cfg)
    fn = lambda ids: model(ids, params=params).last_hidden_state  # noqa: E731
    _run(record_property, "BERT (2 layers)", fn, *_text(fn), fused=LN_GELU + ("Attention",))


@slow
def test_gpt2(record_property):
    """GPT-2 LM head (2 layers): tanh GELU (gelu_new), causal mask, tied embeddings."""
    cfg = T.GPT2Config(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=64)
    model, params = _build(T.FlaxGPT2LMHeadModel, cfg)
    fn = lambda ids: model(ids, params=params).logits  # noqa: E731
    _run(record_property, "GPT-2 LM (2 layers)", fn, *_text(fn), fused=LN_GELU)


@slow
def test_llama(record_property):
    """Llama causal LM (2 layers): RMSNorm, rotary embeddings, SiLU MLP, grouped-query attention."""
    cfg = T.LlamaConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=2, intermediate_size=64, max_position_embeddings=64)
    model, params = _build(T.FlaxLlamaForCausalLM, cfg)
    fn = lambda ids: model(ids, params=params).logits  # noqa: E731
    _run(record_property, "Llama LM (2 layers, GQA)", fn, *_text(fn), fused=("RMSNormalization", "Attention"))


@slow
def test_bart(record_property):
    """BART encoder-decoder (1+1 layers): two token inputs, cross-attention."""
    cfg = T.BartConfig(vocab_size=VOCAB, d_model=32, encoder_layers=1, decoder_layers=1,
                       encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64,
                       decoder_ffn_dim=64, max_position_embeddings=64)
    model, params = _build(T.FlaxBartModel, cfg)
    fn = lambda ids, dec: model(input_ids=ids, decoder_input_ids=dec, params=params).last_hidden_state  # noqa: E731
    _run(record_property, "BART (1+1 layers)", fn, *_text(fn, 2), fused=LN_GELU)


class _ClipKeywords:
    """``jax.numpy`` as FlaxT5 expects it: ``jnp.clip(x, a_max=...)`` (keywords removed in JAX 0.10).

    transformers 4.57's ``modeling_flax_t5`` calls ``jnp.clip(..., a_max=...)``; JAX 0.10
    accepts only ``min``/``max``, so the library itself fails in JAX. The test swaps
    that module's ``jnp`` for this proxy (everything else is jax.numpy) to test the
    conversion of T5, not the library's lag behind JAX.
    """

    def __getattr__(self, name):
        import jax.numpy as jnp

        return getattr(jnp, name)

    @staticmethod
    def clip(x, min=None, max=None, *, a_min=None, a_max=None):
        import jax.numpy as jnp

        return jnp.clip(x, a_min if min is None else min, a_max if max is None else max)


@slow
def test_t5(record_property, monkeypatch):
    """T5 encoder-decoder (1+1 layers): relative position buckets (log, clip, where), RMS-style norm."""
    from transformers.models.t5 import modeling_flax_t5

    monkeypatch.setattr(modeling_flax_t5, "jnp", _ClipKeywords())
    cfg = T.T5Config(vocab_size=VOCAB, d_model=32, d_kv=8, d_ff=64, num_layers=1, num_decoder_layers=1,
                     num_heads=4, relative_attention_num_buckets=8)
    model, params = _build(T.FlaxT5Model, cfg)
    fn = lambda ids, dec: model(input_ids=ids, decoder_input_ids=dec, params=params).last_hidden_state  # noqa: E731
    _run(record_property, "T5 (1+1 layers)", fn, *_text(fn, 2))


def _pixels(c, h, w):
    def make(b):
        return [randn(np.random.default_rng(b), b, c, h, w)]
    return [spec(("B", c, h, w))], make


@slow
def test_vit(record_property):
    """ViT (2 layers, 16x16 image, 4x4 patches): patch Conv, CLS token, exact GELU."""
    cfg = T.ViTConfig(image_size=16, patch_size=4, num_channels=3, hidden_size=32, num_hidden_layers=2,
                      num_attention_heads=4, intermediate_size=64)
    model, params = _build(T.FlaxViTModel, cfg)
    fn = lambda px: model(px, params=params).last_hidden_state  # noqa: E731
    _run(record_property, "ViT (2 layers)", fn, *_pixels(3, 16, 16), fused=LN_GELU)


@slow
def test_clip_vision(record_property):
    """CLIP vision tower (2 layers): pre-LayerNorm, quick_gelu (x*sigmoid(1.702x): no ONNX Gelu)."""
    cfg = T.CLIPVisionConfig(image_size=16, patch_size=4, hidden_size=32, intermediate_size=64,
                             num_hidden_layers=2, num_attention_heads=4)
    model, params = _build(T.FlaxCLIPVisionModel, cfg)
    fn = lambda px: model(px, params=params).last_hidden_state  # noqa: E731
    _run(record_property, "CLIP vision (2 layers)", fn, *_pixels(3, 16, 16), fused=("LayerNormalization",))


@slow
def test_resnet(record_property):
    """ResNet (basic blocks, 2 stages): Conv, BatchNorm with running statistics, MaxPool."""
    cfg = T.ResNetConfig(num_channels=3, embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1],
                         layer_type="basic")
    model, params = _build(T.FlaxResNetModel, cfg, input_shape=(1, 32, 32, 3))
    fn = lambda px: model(px, params=params).pooler_output  # noqa: E731
    _run(record_property, "ResNet (2 stages)", fn, *_pixels(3, 32, 32))


@slow
def test_wav2vec2(record_property):
    """Wav2Vec2 (2 layers, stable layer norm): conv feature encoder, grouped conv positions, GELU."""
    cfg = T.Wav2Vec2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                           conv_dim=(8, 8), conv_stride=(5, 2), conv_kernel=(10, 3),
                           num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4,
                           do_stable_layer_norm=True, feat_extract_norm="layer")
    model, params = _build(T.FlaxWav2Vec2Model, cfg, input_shape=(1, 400))
    fn = lambda audio: model(audio, params=params).last_hidden_state  # noqa: E731

    def make(b):
        return [randn(np.random.default_rng(b), b, 400)]

    _run(record_property, "Wav2Vec2 (2 layers)", fn, [spec(("B", 400))], make, fused=LN_GELU)
