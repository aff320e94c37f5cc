"""F1 data: the Jolpica client and the ingest that stores its data."""
