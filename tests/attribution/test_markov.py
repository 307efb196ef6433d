"""Markov-chain removal effects on path sets small enough to solve by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from mmm_pipeline.attribution.markov import (
    CONVERSION,
    NULL,
    START,
    conversion_probability,
    removal_effects,
    removal_effects_from_transitions,
    transition_counts,
)


def test_transition_counts_follow_each_path_from_start_to_its_end() -> None:
    counts = transition_counts([["a", "b"], ["a"], []], [True, False, True])
    assert list(counts.itertuples(index=False, name=None)) == [
        (START, CONVERSION, 1),
        (START, "a", 2),
        ("a", NULL, 1),
        ("a", "b", 1),
        ("b", CONVERSION, 1),
    ]


def test_classic_three_channel_example() -> None:
    # Paths: C1 > C2 > C3 > conversion, C1 > null, C2 > C3 > null.
    # Transition probabilities: start -> C1 2/3, start -> C2 1/3; C1 -> C2 1/2,
    # C1 -> null 1/2; C2 -> C3 1; C3 -> conversion 1/2, C3 -> null 1/2.
    # P(conversion) = (2/3 * 1/2 + 1/3) * 1 * 1/2 = 1/3 (the observed 1 in 3).
    # Without C1: start -> C1 goes to null, P = 1/3 * 1 * 1/2 = 1/6, effect 1 - (1/6)/(1/3) = 1/2.
    # Without C2 or C3 no walk converts: effect 1.
    paths = [["c1", "c2", "c3"], ["c1"], ["c2", "c3"]]
    converted = [True, False, False]
    transitions = transition_counts(paths, converted)
    assert conversion_probability(transitions) == pytest.approx(1 / 3, abs=1e-12)
    assert conversion_probability(transitions, removed="c1") == pytest.approx(1 / 6, abs=1e-12)
    effects = removal_effects(paths, converted)
    assert effects.to_dict() == pytest.approx({"c1": 0.5, "c2": 1.0, "c3": 1.0}, abs=1e-12)


def test_removal_effects_through_a_cycle_use_the_absorbing_chain_algebra() -> None:
    # Paths: A > B > conversion, B > A > conversion, A > null.
    # start -> A 2/3, start -> B 1/3; A -> B 1/3, A -> conversion 1/3, A -> null 1/3;
    # B -> conversion 1/2, B -> A 1/2.  With a = P(conv | A), b = P(conv | B):
    # a = b/3 + 1/3 and b = 1/2 + a/2, so a = 3/5, b = 4/5, P = 2/3 * 3/5 + 1/3 * 4/5 = 2/3.
    # Without A: start -> A and B -> A go to null: P = 1/3 * 1/2 = 1/6,
    # effect 1 - (1/6)/(2/3) = 3/4.
    # Without B: start -> B and A -> B go to null: a = 1/3, P = 2/3 * 1/3 = 2/9,
    # effect 1 - (2/9)/(2/3) = 2/3.
    paths = [["a", "b"], ["b", "a"], ["a"]]
    converted = [True, True, False]
    transitions = transition_counts(paths, converted)
    assert conversion_probability(transitions) == pytest.approx(2 / 3, abs=1e-12)
    assert conversion_probability(transitions, removed="a") == pytest.approx(1 / 6, abs=1e-12)
    assert conversion_probability(transitions, removed="b") == pytest.approx(2 / 9, abs=1e-12)
    assert removal_effects(paths, converted).to_dict() == pytest.approx(
        {"a": 3 / 4, "b": 2 / 3}, abs=1e-12
    )


def test_with_only_converting_paths_the_effect_is_the_chance_of_visiting_the_channel() -> None:
    # Both paths hold both channels, yet the first-order chain also walks
    # start -> B -> conversion: start -> A 1/2, A -> B 1/2, A -> conversion 1/2 (and the
    # mirror for B), so P(visit A) = 1/2 + 1/2 * 1/2 = 3/4.
    effects = removal_effects([["a", "b"], ["b", "a"]], [True, True])
    assert effects.to_dict() == pytest.approx({"a": 3 / 4, "b": 3 / 4}, abs=1e-12)
    # start -> A 2/3, start -> B 1/3; A -> B 1/2, A -> C 1/2; B, C -> conversion.
    # P(visit A) = 2/3, P(visit B) = 1/3 + 2/3 * 1/2 = 2/3, P(visit C) = 2/3 * 1/2 = 1/3.
    effects = removal_effects([["a", "b"], ["b"], ["a", "c"]], [True, True, True])
    assert effects.to_dict() == pytest.approx({"a": 2 / 3, "b": 2 / 3, "c": 1 / 3}, abs=1e-12)


def test_repeated_visits_do_not_change_removal_effects() -> None:
    plain = removal_effects([["a", "b"], ["a"], ["b"]], [True, False, True])
    repeated = removal_effects([["a", "a", "b"], ["a"], ["b", "b", "b"]], [True, False, True])
    assert repeated.to_dict() == pytest.approx(plain.to_dict(), abs=1e-12)


def test_a_chain_that_never_converts_has_no_effects() -> None:
    effects = removal_effects([["a"], ["b", "a"]], [False, False])
    assert effects.to_dict() == {"a": 0.0, "b": 0.0}


@pytest.mark.parametrize(
    ("paths", "converted", "message"),
    [
        ([["a"]], [True, False], "got 1 paths but 2 converted flags"),
        ([["a", NULL]], [True], "reserved state name"),
    ],
)
def test_bad_paths_are_refused(paths: list, converted: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        removal_effects(paths, converted)


def test_a_loop_that_never_ends_is_refused() -> None:
    transitions = pd.DataFrame(
        [(START, "a", 1), ("a", "b", 1), ("b", "a", 1)],
        columns=["from_state", "to_state", "transitions"],
    )
    with pytest.raises(ValueError, match="closed loop"):
        removal_effects_from_transitions(transitions)


def test_removing_an_unknown_channel_is_refused() -> None:
    transitions = transition_counts([["a"]], [True])
    with pytest.raises(ValueError, match="'tv' is not in the chain"):
        conversion_probability(transitions, removed="tv")
