"""chipsim: may chip Y go to destination Z under rule scenario X, and why?

The public Python API; the CLI (`chipsim`) and the Streamlit app run on the same functions.
"""

from .chips import load_chips, parse_chips, validate_file
from .conventions import DEFAULT_CONVENTIONS, MetricConventions
from .errors import ChipsimError, Problem, ValidationError
from .metrics import compute_metrics, with_metrics

__all__ = [
    "ChipsimError",
    "DEFAULT_CONVENTIONS",
    "MetricConventions",
    "Problem",
    "ValidationError",
    "compute_metrics",
    "load_chips",
    "parse_chips",
    "validate_file",
    "with_metrics",
]
__version__ = "0.1.0"
