"""Tests of mmm_pipeline's defs package."""
