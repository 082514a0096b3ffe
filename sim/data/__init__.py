"""Layer 1, data: the chip table and its schema, destinations and country groups, shipment volumes, prices and
China's own production, importers of others' tables. May import only `sim.errors` and `sim.version`; the files it
reads (country tables, world map, `shipments/`) sit in this folder."""
