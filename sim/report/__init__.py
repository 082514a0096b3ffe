"""Layer 6, report: what a person or a file receives (table formats, figures, provenance on every export).
May import `sim.analysis`, `sim.api` and the layers below; never `sim.cli` or the app."""
