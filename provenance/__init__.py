"""qa-provenance: provenance checks for synthetic question-answer datasets."""

__version__ = "0.2.0"
