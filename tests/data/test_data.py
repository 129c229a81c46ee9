import numpy as np
import pytest

from kzoo import data
from kzoo.data import DataError

from datafiles import smooth_series
from datafiles import write_csv


def test_csv_default_column_keeps_time(tmp_path):
    values = smooth_series(50)
    path = write_csv(tmp_path / "y+w.csv", values)
    series = data.load(f"csv:{path}")
    np.testing.assert_allclose(series.values, values)
    assert series.name == "y_w"
    assert series.label == "formaldehyde(ug/m³)"
    assert series.time_label == "time(h)"
    assert series.time[1] == pytest.approx(1 / 30)


def test_csv_named_column(tmp_path):
    path = write_csv(tmp_path / "a.csv", smooth_series(20))
    series = data.load(f"csv:{path}:time(h)")
    assert series.values[1] == pytest.approx(1 / 30)


def test_missing_file():
    with pytest.raises(DataError, match="no such file: /nope.csv"):
        data.load("csv:/nope.csv")


def test_missing_column_lists_columns(tmp_path):
    path = write_csv(tmp_path / "a.csv", smooth_series(20))
    with pytest.raises(DataError,
                       match=r"'value'.*columns: time\(h\), formaldehyde"):
        data.load(f"csv:{path}:value")


def test_bad_cells_give_line_numbers(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("t,v\n0,1.0\n1,abc\n2,3.0\n3,\n4,5\n")
    with pytest.raises(DataError, match=r"'v'.*line\(s\) 3, 5"):
        data.load(f"csv:{path}")


def test_unknown_dataset():
    with pytest.raises(DataError, match="laser"):
        data.load("lazer")


def test_shipped_datasets():
    laser = data.load("laser")
    assert len(laser.values) > 10000 - 100 and laser.name == "laser"
    mg = data.load("mackey_glass")
    assert len(mg.values) == 2500 and np.all(np.isfinite(mg.values))
    # The transient is dropped: the series starts on the attractor, not at
    # the initial value 1.2 of reservoirpy's generator.
    from reservoirpy.datasets import mackey_glass

    raw = mackey_glass(2600, tau=17, seed=42).ravel()
    np.testing.assert_allclose(mg.values, raw[100:])
    assert len(data.load("mackey_glass:300").values) == 300


def test_logistic_map_follows_its_equation_from_the_seeded_start():
    series = data.load("logistic")
    x = series.values
    assert len(x) == 2500 and series.name == "logistic"
    # Every value is the map of the one before it, inside (0, 1).
    np.testing.assert_allclose(x[1:], 4.0 * x[:-1] * (1.0 - x[:-1]),
                               rtol=0, atol=1e-12)
    assert 0.0 < x.min() and x.max() < 1.0
    # The first value: 100 iterations from the seeded start.
    start = np.random.default_rng(42).uniform(0.1, 0.9)
    for _ in range(100):
        start = 4.0 * start * (1.0 - start)
    assert x[0] == pytest.approx(start, abs=1e-12)
    # Chaotic, not a cycle: the mean log-derivative is ln 2.
    assert np.mean(np.log(np.abs(4.0 - 8.0 * x))) == pytest.approx(
        np.log(2.0), abs=0.05)
    assert len(np.unique(x)) == len(x)
    np.testing.assert_array_equal(data.load("logistic:300").values, x[:300])
    with pytest.raises(DataError, match="logistic:LENGTH needs an integer"):
        data.load("logistic:1")


def test_ranges_remember_where_they_come_from(tmp_path):
    part = data.load("laser[0:1000]")
    assert len(part.values) == 1000 and part.range == (0, 1000)
    assert part.base_spec == "laser" and part.name == "laser_0-1000"
    np.testing.assert_array_equal(part.values,
                                  data.load("laser").values[:1000])
    path = write_csv(tmp_path / "a.csv", smooth_series(50))
    tail = data.load(f"csv:{path}[40:]")
    assert tail.range == (40, 50) and len(tail.time) == 10
    assert "points 40 to 49" in tail.describe()
    with pytest.raises(DataError, match="range must lie within the 50"):
        data.load(f"csv:{path}[40:60]")
    with pytest.raises(DataError, match="LENGTH needs an integer"):
        data.load("mackey_glass:x")


def test_zscore_round_trip():
    values = smooth_series(40)
    norm = data.ZScore.fit(values)
    z = norm.transform(values)
    assert abs(z.mean()) < 1e-9 and abs(z.std() - 1) < 1e-9
    np.testing.assert_allclose(norm.inverse(z), values)
    with pytest.raises(DataError, match="constant"):
        data.ZScore.fit(np.ones(10))


def test_windows_and_targets():
    values = np.arange(10.0)
    x, y = data.make_windows(values, 4, "aligned")
    assert x.shape == (6, 4, 1) and y.shape == (6, 4, 1)
    np.testing.assert_array_equal(x[2, :, 0], [2, 3, 4, 5])
    np.testing.assert_array_equal(y[2, :, 0], [3, 4, 5, 6])
    x, y = data.make_windows(values, 4, "last")
    assert y.shape == (6, 1) and y[5, 0] == 9
    with pytest.raises(DataError, match="too short"):
        data.make_windows(values, 9)


def test_random_split_is_the_seeded_80_20():
    train, val = data.split_indices(100, 10, "random")
    assert len(train) == 80 and len(val) == 20
    assert set(train).isdisjoint(val)
    assert set(train) | set(val) == set(range(100))
    again, _ = data.split_indices(100, 10, "random")
    np.testing.assert_array_equal(train, again)


def test_chrono_split_has_no_leakage():
    ts, count = 10, 100
    train, val = data.split_indices(count, ts, "chrono")
    assert len(train) == 80
    # Values touched by a training window: i .. i + ts (its target).
    last_train_value = train.max() + ts
    assert val.min() > last_train_value
    assert np.all(np.diff(train) == 1) and np.all(np.diff(val) == 1)
    assert val.max() == count - 1


def test_taylor_is_read_from_pmdarima():
    pytest.importorskip("pmdarima", reason="the taylor extra: pip install "
                        "'kzoo[taylor]'")
    from pmdarima.datasets import load_taylor

    taylor = data.load("taylor")
    assert len(taylor.values) == 4032 and taylor.name == "taylor"
    np.testing.assert_array_equal(taylor.values, load_taylor())
    # A weekly period: a week back is far closer than half a week back.
    x = taylor.values
    assert np.corrcoef(x[336:], x[:-336])[0, 1] > 0.9
    assert np.corrcoef(x[168:], x[:-168])[0, 1] < 0.8
    part = data.load("taylor[0:3360]")
    assert part.range == (0, 3360) and part.base_spec == "taylor"


def test_taylor_without_pmdarima_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pmdarima.datasets", None)
    with pytest.raises(DataError, match=r'pip install "kzoo\[taylor\]"'):
        data.load("taylor")
