"""Custom actions, one module per concern; they read slots, call referentiel/, answer."""
