"""The exercise catalog: YAML data plus the typed loader that validates it."""

from catalog.loader import CATALOG_DIR, STUDIES_FILE, Catalog, CatalogError, load_catalog, normalise_name
from catalog.models import (
    DAYS,
    EQUIPMENT,
    MUSCLE_LABELS,
    MUSCLES,
    DaySlot,
    DayTemplate,
    Exercise,
    Load,
    Mechanic,
    Prescription,
)
from catalog.yamlfile import DataFileError, load_yaml_mapping

__all__ = [
    "CATALOG_DIR",
    "DAYS",
    "EQUIPMENT",
    "MUSCLES",
    "MUSCLE_LABELS",
    "STUDIES_FILE",
    "Catalog",
    "CatalogError",
    "DataFileError",
    "DaySlot",
    "DayTemplate",
    "Exercise",
    "Load",
    "Mechanic",
    "Prescription",
    "load_catalog",
    "load_yaml_mapping",
    "normalise_name",
]
