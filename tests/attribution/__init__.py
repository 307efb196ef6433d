"""Tests of mmm_pipeline's attribution package."""
