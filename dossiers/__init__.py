"""The shared store of pre-dossiers: models, migrations and the one repository layer."""
