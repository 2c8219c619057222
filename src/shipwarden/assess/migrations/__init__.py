"""Alembic migrations of the assessment history (run programmatically by :mod:`shipwarden.assess.store`)."""
