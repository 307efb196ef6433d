"""Tests of mmm_pipeline's quality package."""
