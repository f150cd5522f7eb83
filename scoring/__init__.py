"""Scoring: keys, raw and scale scores, performance levels, and the psychometric analysis."""
