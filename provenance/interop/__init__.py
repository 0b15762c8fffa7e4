"""Provenance in other formats: Croissant and in-toto exports, drafts imported from
dataset cards.
"""
