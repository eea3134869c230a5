"""CléA knowledge as data, with its typed loader and pure functions."""

from referentiel.loader import Referentiel, load_referentiel

__all__ = ["Referentiel", "load_referentiel"]
