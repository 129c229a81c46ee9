"""The reference's training loop in plain PyTorch, for `recipes/bench.py`.

The reference PyTorch figures in `docs/REFERENCE.md` (16 s, 3 s, 13 s)
were timed on another machine. To compare kzoo with plain PyTorch on the
machine the benchmark runs on, this module re-implements the reference
models and loop as that document describes them, with nothing but
`torch`: `torch.nn.LSTM` (2 layers, hidden 64, Dense(1) on the last step)
or the per-step encoder / LayerNorm / frozen soft codebook / decoder,
Xavier-uniform weights and zero biases, a shuffled `DataLoader`, Adam, MSE,
and a validation pass after every epoch. No `torch.compile`, no tricks:
what a researcher writes by hand.

It takes the same windows kzoo trains on (numpy arrays), so the wall
times compare the same work. Imported only by the benchmark worker when
torch is installed.
"""

import math
import time

import numpy as np

from kzoo.errors import UsageError


def _modules():
    import torch
    from torch import nn

    class LSTMLinear(nn.Module):
        def __init__(self, units=64, layers=2):
            super().__init__()
            self.lstm = nn.LSTM(1, units, layers, batch_first=True)
            self.head = nn.Linear(units, 1)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1])

    class VQLNMLP(nn.Module):
        def __init__(self, vocab_size, d_model, time_steps, pe=False):
            super().__init__()
            self.encoder = nn.Linear(1, d_model)
            self.norm = nn.LayerNorm(d_model)
            self.decoder = nn.Linear(d_model, 1)
            self.register_buffer("codebook", torch.randn(vocab_size, d_model))
            self.register_buffer(
                "pe", 0.01 * torch.randn(time_steps, d_model) if pe else None
            )
            self.scale = 1.0 / math.sqrt(d_model)

        def forward(self, x):
            h = self.encoder(x)
            if self.pe is not None:
                h = h + self.pe[: h.shape[1]]
            h = self.norm(h)
            p = torch.softmax(h @ self.codebook.T * self.scale, dim=-1)
            return self.decoder(p @ self.codebook)

    def init(module):
        for name, weight in module.named_parameters():
            if weight.dim() > 1:
                nn.init.xavier_uniform_(weight)
            elif "bias" in name:
                nn.init.zeros_(weight)

    return torch, nn, LSTMLinear, VQLNMLP, init


def build(name, time_steps, vocab_size=32, d_model=8):
    """The reference model `name` (lstm, vqlnmlp, vqlnpemlp), a torch module."""
    torch, _, LSTMLinear, VQLNMLP, init = _modules()
    if name == "lstm":
        model = LSTMLinear()
    elif name in ("vqlnmlp", "vqlnpemlp"):
        model = VQLNMLP(vocab_size, d_model, time_steps,
                        pe=name == "vqlnpemlp")
    else:
        raise UsageError(f"no plain-PyTorch reference for model {name!r}")
    init(model)
    return model


def train(name, train_data, val_data, epochs, batch_size, lr, seed=0,
          **model_kwargs):
    """Fit like the reference loop; returns `{"wall_s", "val_loss"}`.

    `val_loss`: after the last epoch (`None` for 0 epochs).

    `train_data`, `val_data`: `(x, y)` numpy arrays. The wall time covers
    the epochs (training and the per-epoch validation), as kzoo's does.
    """
    torch, nn, *_ = _modules()
    torch.manual_seed(seed)
    x_train, y_train = train_data
    model = build(name, time_steps=x_train.shape[1], **model_kwargs)
    dataset = torch.utils.data.TensorDataset(
        torch.from_numpy(np.asarray(x_train)),
        torch.from_numpy(np.asarray(y_train)),
    )
    val = torch.utils.data.TensorDataset(
        torch.from_numpy(np.asarray(val_data[0])),
        torch.from_numpy(np.asarray(val_data[1])),
    )
    loader = torch.utils.data.DataLoader(dataset, batch_size, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val, batch_size)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    val_loss = None
    start = time.perf_counter()
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for xb, yb in val_loader:
                total += loss_fn(model(xb), yb).item() * len(xb)
                count += len(xb)
        val_loss = total / count
    return {"wall_s": time.perf_counter() - start, "val_loss": val_loss}
