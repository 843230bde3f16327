"""The exercise catalog: YAML data plus the typed loader that validates it."""

from catalog.loader import CATALOG_DIR, Catalog, CatalogError, DataFileError, load_catalog, normalise_name
from catalog.models import (
    DAYS,
    EQUIPMENT,
    MUSCLE_LABELS,
    MUSCLES,
    DaySlot,
    DayTemplate,
    Exercise,
    Mechanic,
    Prescription,
)

__all__ = [
    "CATALOG_DIR",
    "DAYS",
    "EQUIPMENT",
    "MUSCLES",
    "MUSCLE_LABELS",
    "Catalog",
    "CatalogError",
    "DataFileError",
    "DaySlot",
    "DayTemplate",
    "Exercise",
    "Mechanic",
    "Prescription",
    "load_catalog",
    "normalise_name",
]
