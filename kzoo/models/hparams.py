"""What every hyperparameter of the registry means, and its choices.

The recipes build their flags from this table and from the registry's
defaults, so `--help` states what the models really use. Choices come from
the layers that define them.
"""

import dataclasses

from kzoo.errors import UsageError
from kzoo.layers.base_codebook import READS
from kzoo.layers.cache_hierarchy import ORDERS
from kzoo.layers.checks import check_number
from kzoo.models.builders import MAX_NOISE
from kzoo.models.builders import PE_CHOICES
from kzoo.models.registry import SCHEDULES


@dataclasses.dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter: its `--help` text and, if fixed, its choices."""

    help: str
    choices: tuple = None
    parse: object = None


def parse_read_chunk(text):
    """`"none"` -> `None`, `"auto"` -> `"auto"`, digits -> `int`."""
    if text.lower() == "none":
        return None
    if text.lower() == "auto":
        return "auto"
    if text.isdigit():
        return int(text)
    raise UsageError(f"expected none, auto or a row count, got {text!r}")


def parse_noise(text):
    """A standard deviation of input noise, in `[0, MAX_NOISE]`."""
    try:
        value = float(text)
    except ValueError:
        value = text
    check_number("noise", value, minimum=0, strict=False, maximum=MAX_NOISE)
    return value


HYPERPARAMETERS = {
    "time_steps": Hyperparameter("window length T"),
    "lr": Hyperparameter("Adam learning rate"),
    "epochs": Hyperparameter("training epochs"),
    "batch_size": Hyperparameter("batch size"),
    "patience": Hyperparameter(
        "keep the weights of the epoch with the best val_mse_next and stop "
        "after this many epochs without improvement; 0 keeps the final "
        "epoch's weights (the reference)"),
    "schedule": Hyperparameter(
        "learning-rate schedule: constant (the reference), cosine decay to "
        "1%% over the epochs, or plateau (halved after patience/2 epochs "
        "without improvement)", SCHEDULES),
    "rollout": Hyperparameter(
        "judge epochs (best weights, plateau) by the NMSE of fed-back "
        "forecasts of this many steps from validation windows (val_rollout)"
        " instead of val_mse_next; 0: val_mse_next"),
    "loss_positions": Hyperparameter(
        "aligned models: the training loss counts only the last this many "
        "positions of each window (positions that the window can predict, "
        "as on the recall lag task); 0: every position"),
    "change": Hyperparameter(
        "the network predicts the change from the last input value "
        "(forecast = last value + network output)"),
    "noise": Hyperparameter(
        "standard deviation of Gaussian noise added to the input windows "
        "while training (z-scored units, at most 1; targets stay clean)",
        parse=parse_noise),
    "revin": Hyperparameter(
        "RevIN: normalise each window by its own mean and deviation, scale "
        "the forecast back"),
    "ar_order": Hyperparameter(
        "add a linear autoregression on the last this many values to the "
        "forecast (LSTNet's autoregressive path, trained with the network; "
        "0: none)"),
    "units": Hyperparameter("LSTM units per layer"),
    "layers": Hyperparameter(
        "stacked layers: LSTMs (lstm), cache blocks (vqcache), MLP layers "
        "(vqrecall)"),
    "block_size": Hyperparameter(
        "time-cache block length: a step reads its own and the previous "
        "block exactly, older steps through the per-code cache"),
    "key_lag": Hyperparameter(
        "time-cache models: steps from the input a cache key reads to its "
        "value's (1: an induction head's previous-token key, which "
        "continues a recurring segment)"),
    "cache": Hyperparameter(
        "time-cache models: the codebook cache over time in every block "
        "(false: the ablation without it)"),
    "convolution": Hyperparameter(
        "time-cache models: the window-long causal FFT convolution in "
        "every block (false: the ablation without it)"),
    "conv_norm": Hyperparameter(
        "time-cache models: a LayerNorm before each convolution (false: "
        "it reads the residual stream, so a recalled lag stays linear)"),
    "vocab_size": Hyperparameter(
        "codebook rows (per head for product codebooks)"),
    "d_model": Hyperparameter("width of the codebook read"),
    "n_head": Hyperparameter(
        "heads of a product codebook (method 2, 2+3); must divide d_model "
        "(key for vqrecall)"),
    "sizes": Hyperparameter(
        "cache-hierarchy level sizes, level 1 first, e.g. 32,128,512"),
    "order": Hyperparameter(
        "cache-hierarchy order: inc (tables exchange largest-first, then "
        "the input reads L1) or dec (the input reads L1, L1 reads L2, ...)",
        ORDERS),
    "pe": Hyperparameter("positional encoding", PE_CHOICES),
    "read": Hyperparameter(
        "soft read (the reference) or hard read (nearest row, "
        "straight-through gradients)", READS),
    "train_codebook": Hyperparameter(
        "train the codebook table by gradient (otherwise a frozen N(0,1) "
        "table, as the reference)"),
    "read_chunk": Hyperparameter(
        "read the codebook this many rows at a time (same values, memory "
        "that grows with the chunk instead of the table: for tables of "
        "2^14 rows and more); auto: 8192-row chunks from 2^14 rows; none: "
        "the whole table at once", parse=parse_read_chunk),
    "n_lags": Hyperparameter(
        "values in the delay vector that reads the codebook (vqridge)"),
    "delay": Hyperparameter("spacing of those values (vqridge)"),
    "temperature": Hyperparameter(
        "width of the codebook read by distance, z-scored units (vqridge)"),
    "ridge": Hyperparameter(
        "ridge penalty of the closed-form solve of the values (vqridge)"),
    "period": Hyperparameter(
        "period of the series in steps: the linear read takes the values "
        "near each of its multiples in the window (vqseasonal)"),
    "long_period": Hyperparameter(
        "a longer period, one of the codebook query's offsets (vqseasonal)"),
    "recent": Hyperparameter(
        "latest values the linear read takes (vqseasonal)"),
    "spread": Hyperparameter(
        "offsets each side of every multiple of the period (vqseasonal)"),
    "patch": Hyperparameter(
        "values each token carries (causal delay embedding)"),
    "key": Hyperparameter(
        "latest values in a position's key; its code is matched against "
        "the earlier positions' (vqrecall)"),
    "levels": Hyperparameter(
        "equiprobable N(0,1) bins per key value: levels ** (key / n_head) "
        "codes per head (vqrecall)"),
    "n_mix": Hyperparameter("causal token-mixing MLPs before the read"),
    "residual": Hyperparameter("add the read's input to its output"),
}
