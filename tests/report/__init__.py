"""Tests of mmm_pipeline's report package."""
