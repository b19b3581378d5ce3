"""The OpenAPI document describes every JSON endpoint, and only real ones."""
from __future__ import annotations

import re

from item_bank.exchange.views import openapi_document

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _api_operations(app) -> set[tuple[str, str]]:
    return {(_openapi_path(rule.rule), method.lower())
            for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
            for method in rule.methods - IGNORED_METHODS}


def _documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in openapi_document()["paths"].items() for method in item
            if method in {"get", "post", "put", "patch", "delete"}}


def test_every_api_route_and_method_is_documented(app):
    assert _api_operations(app) - _documented() == set(), "describe these in item_bank/exchange/openapi.json"


def test_the_document_describes_no_route_that_does_not_exist(app):
    assert _documented() - _api_operations(app) == set()


def test_the_framework_api_is_in_it():
    assert "/api/v1/framework" in openapi_document()["paths"]


def test_the_document_is_served_and_is_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.json
    assert document["openapi"].startswith("3.1")
    assert "X-CSRFToken" in document["info"]["description"]
    assert document["components"]["securitySchemes"]["csrfHeader"]["name"] == "X-CSRFToken"


def test_every_reference_resolves_and_every_operation_is_named():
    document = openapi_document()
    schemas = document["components"]["schemas"]

    def refs(value):
        if isinstance(value, dict):
            if "$ref" in value:
                yield value["$ref"]
            for child in value.values():
                yield from refs(child)
        elif isinstance(value, list):
            for child in value:
                yield from refs(child)

    for ref in refs(document):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    operation_ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_the_candidate_schemas_have_no_secret_fields():
    schemas = openapi_document()["components"]["schemas"]
    for name in ("CandidateItem", "CandidateCaseStudy"):
        assert {"key", "rubric", "rationale", "model_answer", "substandards"} & set(schemas[name]["properties"]) == set()
        assert schemas[name]["additionalProperties"] is False


def test_the_documented_fields_match_the_schemas():
    from item_bank.exchange import schemas as s

    documented = openapi_document()["components"]["schemas"]
    assert set(s.CandidateItemSchema().fields) == set(documented["CandidateItem"]["properties"])
    assert set(s.CandidateCaseStudySchema().fields) == set(documented["CandidateCaseStudy"]["properties"])
    assert set(s.AuthorCaseStudySchema().fields) == set(documented["AuthorCaseStudy"]["properties"])
    author_item = set(documented["ItemContent"]["properties"]) | set(documented["AuthorItem"]["allOf"][1]["properties"])
    assert set(s.AuthorItemSchema().fields) == author_item
    assert set(s.ItemInSchema().fields) == set(documented["ItemContent"]["properties"])
    assert set(s.CaseStudyInSchema().fields) == set(documented["CaseStudyIn"]["properties"])
