"""Shared building blocks: base models, schemas, pagination, clock, Redis access, request context."""
