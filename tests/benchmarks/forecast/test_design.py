"""The forecast benchmarks: tables, plots, and the quick recipe."""



from kzoo.benchmarks.forecast import design


def test_mackey_glass_starts_lie_in_the_test_part():
    starts = design.mg_starts()
    assert len(starts) == 20 and starts[0] == design.MG_TRAIN
    assert starts[-1] + design.MG_HORIZON == (design.MG_TRAIN
                                                + design.MG_TEST)
