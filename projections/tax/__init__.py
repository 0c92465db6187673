"""The tax read model: each store's EU distance sales to consumers per calendar year."""
