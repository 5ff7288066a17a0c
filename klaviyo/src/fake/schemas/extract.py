#!/usr/bin/env python3
"""Extracts the schemas the fake Klaviyo validates against from Klaviyo's OpenAPI file.

Usage: extract.py path/to/openapi/stable.json > schemas.json

Keeps only the named roots and what they reference, under the same
`components/schemas` layout so `#/components/schemas/...` refs still resolve, and turns
OpenAPI 3.0's `nullable: true` into JSON Schema (`type: [T, "null"]`, or `anyOf` with
`{"type": "null"}` beside a `$ref`), because JSON Schema validators ignore `nullable`.
Descriptions and examples are dropped to keep the file small.
"""
import json
import re
import sys

ROOTS = [
    # Request bodies.
    "ProfileImportJobCreateQuery",
    "EventCreateQueryV2",
    "EventsBulkCreateJob",
    # Success bodies the fake answers with.
    "GetAccountResponseCollection",
    "GetProfileResponsePluralConversationsCollectionCompoundDocument",
    "PostProfileImportJobResponse",
    "GetProfileImportJobResponseCompoundDocument",
    "GetImportErrorResponseCollection",
]
DROP = {"description", "example"}


def convert(node):
    if isinstance(node, list):
        return [convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: convert(v) for k, v in node.items() if k not in DROP and k != "nullable"}
    if node.get("nullable") is True:
        if "$ref" in out:
            ref = out.pop("$ref")
            out = {"anyOf": [{"$ref": ref}, {"type": "null"}], **out}
        elif "oneOf" in out:
            out["oneOf"] = out["oneOf"] + [{"type": "null"}]
        elif isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = out["enum"] + [None]
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    schemas = spec["components"]["schemas"]
    seen, todo = [], list(ROOTS)
    while todo:
        name = todo.pop(0)
        if name in seen:
            continue
        seen.append(name)
        todo += re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", json.dumps(schemas[name]))
    kept = {name: convert(schemas[name]) for name in sorted(seen)}
    error = spec["components"]["responses"]["ClientError"]["content"]
    kept["ClientError"] = convert(error["application/vnd.api+json"]["schema"])
    out = {
        "source": "github.com/klaviyo/openapi@f0a30ba openapi/stable.json, info.version "
        + spec["info"]["version"],
        "components": {"schemas": kept},
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


main()
