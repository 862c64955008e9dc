"""Evaluation: question sets, BEIR retrieval benchmarks, IR metrics and the HTML report."""
