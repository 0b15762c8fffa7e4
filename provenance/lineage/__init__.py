"""The lineage of datasets and models: the graph, building it, the --changed-since closure,
rendering.
"""
