"""Modelling: the Bayesian MMM per segment and outcome, geos in one model."""
