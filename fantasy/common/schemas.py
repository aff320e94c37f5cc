"""Base marshmallow schema (unknown fields rejected) and the shared input fields: bounded ids."""
from marshmallow import RAISE, Schema, fields, validate

# Ids are PostgreSQL `integer` columns; anything larger can name no row and overflows SQLite's 64 bits.
MAX_ID = 2**31 - 1


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class Id(fields.Integer):
    """A row id in a request body: a JSON integer from 1 to MAX_ID."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)
