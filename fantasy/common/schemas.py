"""Base marshmallow schema: unknown fields are rejected everywhere."""
from marshmallow import RAISE, Schema


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True
