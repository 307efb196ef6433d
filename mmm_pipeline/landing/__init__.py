"""Landing zone: the contract's source folders and how their deliveries reach ``raw``."""
