"""Evaluation results as provenance, and the gap between held-out and self-generated scores.

The paper's second remedy is to watch, round after round of self-training, whether a model's
score on held-out benchmarks parts from its score on test sets it (or its lineage) generated. Here:
the results file (``results``), the lm-evaluation-harness import (``lm_eval``), the class of each
dataset evaluated on (``classify``), the intervals (``intervals``), the drift analysis (``drift``)
and the charts (``charts``). All pure except ``results`` (reading and writing the file) and the
PNG of ``charts``; ``in_check`` joins them for ``qa-provenance check``.
"""
