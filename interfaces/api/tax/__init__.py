"""The tax context's HTTP API: a store's tax settings and VAT quotes."""
