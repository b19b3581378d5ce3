"""JSON shapes of the framework for the public API."""
from marshmallow import Schema, fields


class SubstandardSchema(Schema):
    code = fields.String()
    text = fields.String()


class StandardSchema(Schema):
    number = fields.Integer()
    title = fields.String()
    title_derived = fields.Boolean(attribute="is_title_derived")
    statement = fields.String()
    substandards = fields.List(fields.Nested(SubstandardSchema))


class ThemeSchema(Schema):
    code = fields.String()
    title = fields.String()
    standards = fields.List(fields.Nested(StandardSchema))


class CoreValueSchema(Schema):
    name = fields.String()
    text = fields.String()


class FrameworkSchema(Schema):
    name = fields.String()
    version = fields.String()
    competent_level = fields.String()
    core_values = fields.List(fields.Nested(CoreValueSchema))
    themes = fields.List(fields.Nested(ThemeSchema))
