"""Moving credit out of the demand-capture pool: known answers and conservation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mmm_pipeline.attribution.redistribution import redistribute

CHANNELS = ["branded_search", "direct", "meta", "tiktok", "organic_search", "word_of_mouth"]
POOL = np.array([True, True, False, False, False, False])
WOM = CHANNELS.index("word_of_mouth")


def _one_cell(values: dict[str, float]) -> np.ndarray:
    return np.array([[[values.get(c, 0.0) for c in CHANNELS]]])


def _by_channel(array: np.ndarray) -> dict[str, float]:
    return dict(zip(CHANNELS, array[0, 0, 0], strict=True))


CREDIT = _one_cell({"branded_search": 50, "direct": 50, "meta": 20, "organic_search": 30})
UNIT_VALUE = _one_cell({"branded_search": 2, "direct": 1, "meta": 3})
WOM_SHARE = np.array([[[0.1, 0.2, 0, 0, 0, 0]]])


def test_word_of_mouth_then_unclaimed_demand_from_the_pool() -> None:
    demand = _one_cell({"meta": 50, "tiktok": 40, "organic_search": 10})[None]
    moved = redistribute(CREDIT, CREDIT * UNIT_VALUE, POOL, WOM_SHARE, WOM, demand)
    got = _by_channel(moved.conversions)
    # Word of mouth: 10% of branded's 50 and 20% of direct's 50.
    assert got["word_of_mouth"] == pytest.approx(15)
    # Pool left: 45 + 40 = 85; unclaimed: meta 50 - 20 = 30, tiktok 40; 70 <= 85.
    assert got["meta"] == pytest.approx(50)
    assert got["tiktok"] == pytest.approx(40)
    # Taken from the pool in proportion to what each holds after word of mouth.
    assert got["branded_search"] == pytest.approx(45 - 70 * 45 / 85)
    assert got["direct"] == pytest.approx(40 - 70 * 40 / 85)
    # A channel whose clicks exceed its demand keeps its click credit.
    assert got["organic_search"] == pytest.approx(30)
    value = _by_channel(moved.value)
    assert value["word_of_mouth"] == pytest.approx(5 * 2 + 10 * 1)
    value_taken = 70 * 45 / 85 * 2 + 70 * 40 / 85 * 1
    assert value["meta"] == pytest.approx(20 * 3 + value_taken * 30 / 70)
    assert value["tiktok"] == pytest.approx(value_taken * 40 / 70)


def test_demand_beyond_the_pool_is_paid_pro_rata_and_empties_it() -> None:
    demand = _one_cell({"meta": 200, "tiktok": 100})[None]
    got = _by_channel(redistribute(CREDIT, CREDIT, POOL, WOM_SHARE, WOM, demand).conversions)
    assert got["meta"] == pytest.approx(20 + 85 * 180 / 280)
    assert got["tiktok"] == pytest.approx(85 * 100 / 280)
    assert got["branded_search"] == pytest.approx(0, abs=1e-12)
    assert got["direct"] == pytest.approx(0, abs=1e-12)
    assert got["word_of_mouth"] == pytest.approx(15)


def test_click_models_only_move_word_of_mouth() -> None:
    got = _by_channel(redistribute(CREDIT, CREDIT, POOL, WOM_SHARE, WOM).conversions)
    assert got == pytest.approx(
        {
            "branded_search": 45,
            "direct": 40,
            "meta": 20,
            "tiktok": 0,
            "organic_search": 30,
            "word_of_mouth": 15,
        }
    )


cells = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))


@settings(max_examples=200, deadline=None)
@given(data=st.data(), shape=cells)
def test_every_draw_conserves_conversions_and_value(data: st.DataObject, shape) -> None:
    samples, weeks, geos = shape
    amounts = st.floats(0, 1e4, allow_nan=False)
    credit = data.draw(hnp.arrays(float, (weeks, geos, len(CHANNELS)), elements=amounts))
    value = credit * data.draw(hnp.arrays(float, credit.shape, elements=st.floats(0, 100)))
    shares = data.draw(hnp.arrays(float, (samples, geos, len(CHANNELS)), elements=st.floats(0, 1)))
    demand = data.draw(hnp.arrays(float, (samples, *credit.shape), elements=amounts))
    moved = redistribute(credit, value, POOL, shares, WOM, demand)
    np.testing.assert_allclose(
        moved.conversions.sum(-1),
        np.broadcast_to(credit.sum(-1), (samples, weeks, geos)),
        rtol=1e-9,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        moved.value.sum(-1),
        np.broadcast_to(value.sum(-1), (samples, weeks, geos)),
        rtol=1e-9,
        atol=1e-6,
    )
    assert (moved.conversions > -1e-6).all()
    # Channels outside the pool never lose credit.
    assert (moved.conversions[..., ~POOL] >= credit[..., ~POOL] - 1e-6).all()
