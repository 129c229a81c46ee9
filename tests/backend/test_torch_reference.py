"""The plain-PyTorch reference loop the benchmark times kzoo against."""

import numpy as np
import pytest

from kzoo.backend import torch_reference

from helpers import PLAIN_TORCH

pytestmark = PLAIN_TORCH


def test_soft_read_model_matches_numpy(rng):
    import torch

    model = torch_reference.build("vqlnpemlp", time_steps=5, vocab_size=7,
                                  d_model=4)
    x = rng.normal(size=(3, 5, 1)).astype("float32")
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    p = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    h = x @ p["encoder.weight"].T + p["encoder.bias"] + p["pe"]
    h = (h - h.mean(-1, keepdims=True)) / np.sqrt(
        h.var(-1, keepdims=True) + 1e-5)
    h = h * p["norm.weight"] + p["norm.bias"]
    logits = h @ p["codebook"].T / 2.0
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    expected = (weights @ p["codebook"] @ p["decoder.weight"].T
                + p["decoder.bias"])
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert not any(n == "codebook" for n, _ in model.named_parameters())


@pytest.mark.parametrize("name", ["lstm", "vqlnmlp"])
def test_training_lowers_the_validation_loss(rng, name):
    t = np.linspace(0, 12, 200).astype("float32")
    z = np.sin(t)
    x = np.stack([z[i:i + 8] for i in range(190)])[..., None]
    y = (x[:, -1] if name == "lstm" else
         np.stack([z[i + 1:i + 9] for i in range(190)])[..., None])
    train, val = (x[:150], y[:150]), (x[150:], y[150:])
    before = torch_reference.train(name, train, val, 0, 16, 0.01)
    assert before["val_loss"] is None
    after = torch_reference.train(name, train, val, 8, 16, 0.01)
    assert after["wall_s"] > 0 and np.isfinite(after["val_loss"])
    assert after["val_loss"] < np.mean(val[1] ** 2)


def test_unknown_model():
    with pytest.raises(ValueError, match="no plain-PyTorch reference"):
        torch_reference.build("cachevq", time_steps=4)
