"""Model metadata and the LiteRT runner."""
