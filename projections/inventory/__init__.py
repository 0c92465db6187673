"""Inventory read models: stock levels per location and SKU, the stock ledger, locations."""
