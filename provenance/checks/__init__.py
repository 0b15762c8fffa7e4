"""Every rule that emits a finding, as pure functions over records, files and the lineage."""
