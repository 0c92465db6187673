"""The carts read model: one row per cart, for abandoned-cart figures."""
