"""Makes a temporary copy of one of Microsoft's OpenAPI documents (../shared/spec/openapi/)
fit to judge a real Graph service by, as that folder's README says Microsoft's generators mean
it; the documents themselves stay as they are.

Usage: python adjust_microsoft.py IN.yaml OUT.json

- `additionalProperties: {type: object}` (Microsoft's "open type") becomes `true`: responses
  carry `@odata.*` annotations, and with `allOf` every declared property would be refused.
- A complex-typed property or single-valued navigation given as a bare `$ref` may be `null`
  (CSDL makes them nullable unless marked otherwise), as Microsoft's default conversion writes:
  `anyOf: [$ref, {type: object, nullable: true}]`. Not for enums, not inside the error shapes.
- PATCH may answer 204 without a body.
"""

import json
import sys

import yaml


def main(source, target):
    doc = yaml.safe_load(open(source, encoding="utf-8"))
    schemas = doc["components"]["schemas"]
    enums = {name for name, s in schemas.items() if "enum" in s}

    def open_types(node):
        if isinstance(node, dict):
            if node.get("additionalProperties") == {"type": "object"}:
                node["additionalProperties"] = True
            for value in node.values():
                open_types(value)
        elif isinstance(node, list):
            for value in node:
                open_types(value)

    def nullable_refs(properties):
        for name, prop in list(properties.items()):
            ref = prop.get("$ref") if isinstance(prop, dict) else None
            if ref and ref.split("/")[-1] not in enums:
                properties[name] = {"anyOf": [{"$ref": ref}, {"type": "object", "nullable": True}]}

    open_types(doc)
    for name, schema in schemas.items():
        if name.startswith("microsoft.graph.ODataErrors"):
            continue
        for part in schema.get("allOf", [schema]):
            nullable_refs(part.get("properties", {}))
    for item in doc["paths"].values():
        patch = item.get("patch")
        if patch is not None:
            patch["responses"].setdefault("204", {"description": "No Content"})
    json.dump(doc, open(target, "w", encoding="utf-8"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
