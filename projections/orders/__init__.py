"""Orders read models: the store's order desk ("orders") and its dashboard ("dashboard")."""
