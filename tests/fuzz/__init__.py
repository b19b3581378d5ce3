"""Fuzz tests: schemathesis against the JSON API's OpenAPI document, hypothesis against every form's
POST handler and against the CLI's file readers. Bounds and seeds are in docs/fuzzing.md."""
