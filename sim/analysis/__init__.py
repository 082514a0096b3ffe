"""Layer 5, analysis: questions asked of many verdicts at once (sweeps and their streaming writer, Monte Carlo,
the benchmark). May import `sim.api` and the layers below it, never `sim.report`, `sim.cli` or the app."""
