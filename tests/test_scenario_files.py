"""A damaged or hostile scenario file gives one clear error, never a traceback."""

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ChipsimError, load_chips
from sim.engine.vectorised import outcome_matrix
from sim.rules.scenario import RULES_DIR, load_scenario, preset_ids

SOURCES = {pid: (RULES_DIR / f"{pid}.toml").read_text() for pid in preset_ids()}
JUNK = ["", "x = 1", "[parameters]", '"3A090.a.1.tpp" = "lots"', "when = { metric = \"tpp\" }", "[[chains.ac]]",
        'id = "dup"', "outcome = \"maybe\"", "remove = 3", "classification = \"x\"", "[destination_sets]", "d = 4",
        'extends = "us-2099-01"', "status = \"rumour\"", "}", "[[classification]]", 'class = "3A090.z"']


def _mutate(text: str, seed: int) -> str:
    rnd = random.Random(seed)
    lines = text.splitlines()
    for _ in range(rnd.randint(1, 4)):
        i = rnd.randrange(len(lines))
        action = rnd.choice(["drop", "dup", "junk", "swap"])
        if action == "drop":
            lines.pop(i)
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "junk":
            lines.insert(i, rnd.choice(JUNK))
        else:
            j = rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(preset_ids()), st.integers(0, 10**9))
def test_mutated_scenario_files_fail_cleanly(tmp_path, pid, seed):
    text = _mutate(SOURCES[pid], seed).replace(f'id = "{pid}"', 'id = "mutant"', 1)
    path = tmp_path / f"m{seed}.toml"
    path.write_text(text)
    try:
        s = load_scenario(path)
        outcome_matrix(s, load_chips().head(8), ["CN", "FR", "AE"])
    except ChipsimError as exc:
        assert str(exc) and "Traceback" not in str(exc)


@pytest.mark.parametrize("text, needle", [
    ('id = "x"\nextends = "us-2023-11"\nclassification = "x"\n', "array of tables"),
    ('id = "x"\nextends = "us-2023-11"\nremove = 3\n', "'remove'"),
    ('id = "x"\nextends = "us-2023-11"\n[predicates]\np = 4\n', "predicates.p must be a table"),
    ('id = "x"\nextends = "us-2023-11"\nstatus = "rumour"\n', "status must be one of"),
    ('id = "x"\ntitle = "t"\neffective = "2020-02-30"\nstatus = "proposal"\ncitation = "c"\n', "not a date"),
    ('title = "no id"\n', "needs an id"),
])
def test_specific_scenario_mistakes(tmp_path, text, needle):
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ChipsimError, match=needle):
        load_scenario(path)


def test_self_referring_predicate_and_destination_in_classification(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('id = "x"\nextends = "us-2023-11"\n[predicates]\nloop = { not = { ref = "loop" } }\n')
    with pytest.raises(ChipsimError, match="refers to itself"):
        load_scenario(path)
    path.write_text('id = "x"\nextends = "us-2023-11"\n[[classification]]\nid = "c"\nclass = "3A090.a"\n'
                    'when = { dest_in = "d5_mo" }\ncitation = "c"\n')
    with pytest.raises(ChipsimError, match="only chip figures"):
        load_scenario(path)


def _value_spellings(p) -> set[str]:
    """How a parameter's value may be written in words: 4800, 4,800, 4800.0, 5.92, a date."""
    return {p.text(), f"{p.value:,.0f}" if p.value >= 1000 else p.text(), f"{p.value:,g}"}


@pytest.mark.parametrize("pid", preset_ids())
def test_every_bundled_parameter_has_plain_words_without_its_id_or_value(pid):
    """A screen labels a threshold with its plain words; an edit must never contradict its label, so the words
    carry no value, and the id (3A090.a.1.tpp) is left to tooltips."""
    for name, p in load_scenario(pid).parameters.items():
        assert p.short, f"{pid}: {name} has no plain words (short = ...)"
        assert name not in p.short and not re.search(r"\d[A-Z]\d{3}", p.short), (pid, name, p.short)  # no ECCN
        if p.derived is None:
            assert not any(v in p.short for v in _value_spellings(p)), (pid, name, p.short)
        assert p.plain_label.startswith(p.short)


def test_a_users_rule_file_without_plain_words_is_labelled_by_its_id(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('id = "mine"\nextends = "us-2023-11"\ntitle = "mine"\n\n[parameters."my.tpp"]\nvalue = 10\n'
                    'unit = "TPP"\nstricter = "lower"\ncitation = "none"\n')
    s = load_scenario(str(path))
    assert s.parameters["my.tpp"].plain_label == "my.tpp (TPP)"
    assert s.parameters["3A090.a.1.tpp"].short == load_scenario("us-2023-11").parameters["3A090.a.1.tpp"].short
