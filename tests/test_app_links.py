"""Every link parameter is validated: a notice names the value and what was used instead, and a screening or
transaction answer that cannot be read is never shown as if the permissive default had been chosen."""

from __future__ import annotations

import pytest

from conftest import run_app


def _card(at) -> str:
    return next(m.value for m in at.markdown if "→" in m.value and "<b>" in m.value)


def _warnings(at) -> str:
    return " ".join(w.value for w in at.warning)


@pytest.mark.parametrize("query, notice, assumed", [
    ({"el": "maybe"}, "Ignored el='maybe'", "el="),
    ({"hq": "QQ"}, "Ignored hq='QQ'", "hq="),
    ({"qty": "-5"}, "Ignored qty='-5'", "qty="),
    ({"meu": "maybe"}, "Ignored meu='maybe'", "meu="),
    ({"ship": "teleport"}, "Ignored ship='teleport'", "ship="),
])
def test_an_unreadable_transaction_answer_is_named_and_flagged_in_the_verdict_card(query, notice, assumed):
    at = run_app(scenario="us-2026-01", chip="nvidia-l40s", dest="AE", **query)
    assert not at.exception and notice in _warnings(at)
    card = _card(at)
    assert "Assumed, not read from the link" in card and assumed in card


def test_a_readable_link_leaves_the_card_clean_and_case_does_not_matter():
    at = run_app(scenario="us-2026-01", chip="nvidia-l40s", dest="AE", el="Listed")
    assert "Ignored" not in _warnings(at) and "Assumed" not in _card(at)
    assert "DENIED" in _card(at)  # an Entity List party: the L40S to the UAE is denied, never LICENSE


def test_setting_the_answer_in_the_sidebar_clears_the_flag():
    at = run_app(scenario="us-2026-01", chip="nvidia-l40s", dest="MY", hq="QQ")
    assert "Assumed" in _card(at)
    at.sidebar.selectbox(key="hq_choice").set_value("CN").run()
    card = _card(at)
    assert "Assumed" not in card and "DENIED" in card


@pytest.mark.parametrize("query, notice", [
    ({"screen": "Bogus"}, "Ignored screen='Bogus'"),
    ({"screen": "Sweep", "n": "999999999"}, "expected a whole number from 2 to 2,000"),
    ({"set": "3A090.a.1.tpp:-5"}, "must be at least 0, not -5"),
])
def test_other_bad_link_values_are_named_with_what_was_used(query, notice):
    at = run_app(scenario="us-2023-11", **query)
    assert not at.exception and notice in _warnings(at)
