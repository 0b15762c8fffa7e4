"""Writing provenance: the record ``stamp`` builds and the serialisation of provenance files."""
