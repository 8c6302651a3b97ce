"""Checks our $metadata against Microsoft's own OpenAPI description of the same version.

Usage: python against_openapi.py OUR_METADATA.xml MICROSOFTS.yaml

For every type Microsoft's document describes and ours declares: the same base type, every
property (and navigation) we declare is one Microsoft declares, with the same type; an enum has
Microsoft's members in Microsoft's order. Types Microsoft's document does not describe (it is
cut to the Autopilot paths) are counted, not checked. Prints what it found; exits 1 on any
difference.
"""

import sys
import xml.etree.ElementTree as ET

import yaml

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
PREFIX = "microsoft.graph."


def ours(path):
    schema = ET.parse(path).getroot().find(f".//{EDM}Schema")
    types = {}
    for node in schema:
        tag = node.tag.replace(EDM, "")
        name = node.get("Name")
        if tag == "EnumType":
            types[name] = {"enum": [m.get("Name") for m in node.findall(f"{EDM}Member")]}
        elif tag in ("EntityType", "ComplexType"):
            props = {}
            for p in node:
                if p.tag in (f"{EDM}Property", f"{EDM}NavigationProperty"):
                    props[p.get("Name")] = p.get("Type")
            base = node.get("BaseType")
            types[name] = {"base": base and base.replace("graph.", ""), "props": props}
    return types


def ms_type(v):
    if "$ref" in v:
        return "graph." + v["$ref"].split("/")[-1].replace(PREFIX, "")
    for key in ("anyOf", "oneOf", "allOf"):
        for option in v.get(key, []):
            if "$ref" in option:
                return ms_type(option)
    t, f = v.get("type"), v.get("format")
    if t == "array":
        return f"Collection({ms_type(v['items'])})"
    if t == "string":
        return {"date-time": "Edm.DateTimeOffset", "base64url": "Edm.Binary", "uuid": "Edm.Guid"}.get(
            f, "Edm.String"
        )
    if t in ("integer", "number"):
        return {"int32": "Edm.Int32", "int64": "Edm.Int64"}.get(f, f"number/{f}")
    if t == "boolean":
        return "Edm.Boolean"
    return f"?{v}"


def microsofts(path):
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    types = {}
    for full, schema in doc["components"]["schemas"].items():
        if not full.startswith(PREFIX) or full.startswith(PREFIX + "ODataErrors"):
            continue
        name = full.replace(PREFIX, "")
        if name.endswith("CollectionResponse"):
            continue
        parts = schema.get("allOf", [schema])
        base, props, members = None, {}, None
        for part in parts:
            if "$ref" in part:
                base = part["$ref"].split("/")[-1].replace(PREFIX, "")
            props.update(part.get("properties", {}))
            if "enum" in part:
                members = part["enum"]
        if members is not None:
            types[name] = {"enum": members}
        else:
            types[name] = {"base": base, "props": {k: ms_type(v) for k, v in props.items()}}
    return types


def main(our_path, ms_path):
    mine, theirs = ours(our_path), microsofts(ms_path)
    problems, checked, apart = [], 0, []
    for name, t in sorted(mine.items()):
        ms = theirs.get(name)
        if ms is None:
            apart.append(name)
            continue
        checked += 1
        if "enum" in t or "enum" in ms:
            if t.get("enum") != ms.get("enum"):
                problems.append(f"enum {name}: ours {t.get('enum')}, Microsoft's {ms.get('enum')}")
            continue
        if (t["base"] or "") != (ms["base"] or ""):
            problems.append(f"{name}: base {t['base']}, Microsoft's {ms['base']}")
        for prop, ty in sorted(t["props"].items()):
            if prop not in ms["props"]:
                problems.append(f"{name}.{prop}: Microsoft's {name} has no such property")
            elif ms["props"][prop] != ty:
                problems.append(f"{name}.{prop}: ours {ty}, Microsoft's {ms['props'][prop]}")
    print(f"{checked} types checked against {ms_path}; {len(apart)} not in it: {', '.join(apart)}")
    for p in problems:
        print("DIFFERENT:", p)
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
