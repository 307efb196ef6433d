"""Modelling: one MMM per series (partitioned), and reports across series."""
