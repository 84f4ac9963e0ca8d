"""OpenAPI contracts of every provider dialect and the partner conformance runner."""
