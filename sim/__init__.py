"""chipsim: may chip Y go to destination Z under rule scenario X, and why?

The package facade: the few names most scripts need. `sim.api` is the one Python entry point for verdicts;
the CLI (`chipsim`) and the Streamlit app run on the same functions. Layers, lowest first: `data` -> `rules`
-> `engine` -> `api` -> `analysis` -> `report` -> `cli` (and the app's `ui`); see README "How the code is laid out".
"""

from .data.chips import load_chips, parse_chips, validate_file
from .engine.metrics import compute_metrics, with_metrics
from .errors import ChipsimError, Problem, ValidationError
from .rules.conventions import DEFAULT_CONVENTIONS, MetricConventions
from .version import __version__

__all__ = [
    "ChipsimError",
    "DEFAULT_CONVENTIONS",
    "MetricConventions",
    "Problem",
    "ValidationError",
    "__version__",
    "compute_metrics",
    "load_chips",
    "parse_chips",
    "validate_file",
    "with_metrics",
]
