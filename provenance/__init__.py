"""qa-provenance: provenance checks for synthetic question-answer datasets."""

__version__ = "0.1.0"
