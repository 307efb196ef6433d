"""Quality: data-quality findings and the readiness gate, published to the mmm schema."""
