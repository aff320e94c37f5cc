"""Base marshmallow schema (unknown fields rejected) and the shared fields: clean text, bounded ids, numbers."""
import re
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, validate

# Ids are PostgreSQL `integer` columns; anything larger can name no row and overflows SQLite's 64 bits.
MAX_ID = 2**31 - 1
# NUL is refused by PostgreSQL text; C0 and C1 controls and DEL have no place in a name, nor do the
# bidirectional embeddings, overrides and isolates that make a name display as other text than it is
# ("\u202egnp.exe"). Lone surrogates (a JSON "\ud800") can't be encoded as UTF-8 by any driver.
NEVER_IN_TEXT = "\x7f-\x9f\u202a-\u202e\u2066-\u2069"
CONTROL = re.compile(f"[\x00-\x1f{NEVER_IN_TEXT}]")
CONTROL_EXCEPT_TAB_NEWLINE = re.compile(f"[\x00-\x08\x0b-\x1f{NEVER_IN_TEXT}]")
SURROGATE = re.compile(r"[\ud800-\udfff]")


def case_key(value: str) -> str:
    """The case-insensitive form that unique keys are stored and looked up in."""
    return value.casefold()


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class Text(fields.String):
    """Every string input: clean Unicode text of bounded length that every engine can store.

    `multiline` lets tab and newline through; `keyed` means a case_key() copy goes into a column of the
    same size, so the folded form must fit too ("İ".casefold() is two code points).
    """

    def __init__(self, *, max_length: int, min_length: int | None = None, multiline: bool = False,
                 keyed: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.controls = CONTROL_EXCEPT_TAB_NEWLINE if multiline else CONTROL
        # In the validator list so the OpenAPI shows minLength/maxLength.
        self.validators.insert(0, validate.Length(min=min_length, max=max_length))
        if keyed:
            self.validators.append(self._folded_length(max_length))

    @staticmethod
    def _folded_length(max_length: int):
        def fits_key(text: str) -> None:
            if len(case_key(text)) > max_length:
                raise ValidationError(f"Longer than {max_length} characters once case-folded.")

        return fits_key

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if SURROGATE.search(text):
            raise ValidationError("Not valid Unicode text.")
        if self.controls.search(text):
            raise ValidationError("Must not contain control characters.")
        return text


class Id(fields.Integer):
    """A row id in a request body: a JSON integer from 1 to MAX_ID."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def json_number(value: Decimal | str | int | None) -> float | None:
    """A stored decimal (a Decimal, or the decimal text a JSON column keeps) as the JSON number a client gets
    (§11): points, prices, a custom ruleset's values. Every such decimal has at most two places, and Python
    writes a float as the shortest text that reads back as it, so 12.5 stays 12.5 (never 12.499999) and 25
    becomes 25.0. Every response field and payload holding one goes through here (or `Number`); + 0.0 turns a
    Decimal's negative zero (-1 x 0) into 0.0."""
    return None if value is None else float(value) + 0.0


class Number(fields.Float):
    """A stored decimal in a response, as a JSON number (json_number); documented as `type: number`."""

    def _format_num(self, value):
        return json_number(value)
