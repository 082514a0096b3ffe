"""The app benchmark keeps working as the app changes (it reaches into the sidebar as a user would); its numbers
are read by people, never asserted here."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "app_rerun.py"


def test_the_app_benchmark_edits_a_parameter_and_reruns_a_screen():
    spec = importlib.util.spec_from_file_location("app_rerun", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    first, rerun = bench.measure("Glossary", 1)  # raises if the edited field is not where a user finds it
    assert first > 0 and rerun > 0
