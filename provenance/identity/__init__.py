"""Who is the same source: spelling normalisation, the model registry, the independence
policy, model cards.
"""
