"""Tests of mmm_pipeline's landing package."""
