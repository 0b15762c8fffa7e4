"""Reading what a repository holds: data files, their records, and the provenance documents
beside them.
"""
