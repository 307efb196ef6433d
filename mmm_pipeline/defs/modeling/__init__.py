"""Modelling: one MMM per series (partitioned), and the tables across series."""
