"""Contamination: records of an evaluation set that also appear in data that trains the model it
evaluates. Exact matches after normalisation, shared 13-grams, and near duplicates of short items.
"""
