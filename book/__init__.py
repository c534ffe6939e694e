"""The course as a static website: ``make book`` runs ``python -m book``."""
