"""Layer 2, rules: scenario files and their loader, predicates, metric conventions, the glossary.
May import `sim.data` (and `sim.errors`); the presets (`*.toml`) and the layers around 3A090 (`layers/`) sit here."""
