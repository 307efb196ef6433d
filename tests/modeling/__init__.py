"""Tests of mmm_pipeline's modeling package."""
