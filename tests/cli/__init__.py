"""Tests of mmm_pipeline's cli package."""
