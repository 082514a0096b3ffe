"""Layer 3, engine: control metrics, the vectorised evaluator, the scalar reference evaluator, verdict reasons.
May import `sim.rules` and `sim.data`; it turns a chip table and a scenario into verdicts and knows no output format."""
