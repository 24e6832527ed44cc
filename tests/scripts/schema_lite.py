"""schema_lite — a small JSON Schema (draft-07) validator for the keywords the vendored SARIF
schema uses: $ref (local), type, enum, properties, additionalProperties, required, items,
minItems, uniqueItems, minimum, maximum, pattern, anyOf. "format" is not checked (as
jsonschema does not by default). Used when python3-jsonschema is not installed, and always
alongside it, so both agree on the same document."""

import re

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
KNOWN = {"$schema", "$id", "$ref", "title", "description", "definitions", "type", "enum",
         "properties", "additionalProperties", "required", "items", "minItems", "uniqueItems",
         "minimum", "maximum", "pattern", "anyOf", "format", "default"}


def _resolve(root, ref):
    if not ref.startswith("#/"):
        raise ValueError("only local $ref is supported: %s" % ref)
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def errors(root, instance, schema=None, path="$"):
    """Every violation as "path: what", [] when the instance is valid."""
    schema = root if schema is None else schema
    out = []
    unknown = set(schema) - KNOWN
    if unknown:
        raise ValueError("schema keyword(s) not supported: %s" % ", ".join(sorted(unknown)))
    if "$ref" in schema:
        out += errors(root, instance, _resolve(root, schema["$ref"]), path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](instance) for t in types):
            return out + ["%s: %r is not of type %s" % (path, _short(instance), "/".join(types))]
    if "enum" in schema and instance not in schema["enum"]:
        out.append("%s: %r is not one of %s" % (path, _short(instance), schema["enum"]))
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in instance:
                out.append("%s: required property %r is missing" % (path, name))
        for name, value in instance.items():
            sub = "%s.%s" % (path, name)
            if name in props:
                out += errors(root, value, props[name], sub)
            elif schema.get("additionalProperties") is False:
                out.append("%s: additional property %r is not allowed" % (path, name))
            elif isinstance(schema.get("additionalProperties"), dict):
                out += errors(root, value, schema["additionalProperties"], sub)
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            out.append("%s: fewer than %d items" % (path, schema["minItems"]))
        if schema.get("uniqueItems"):
            seen = []
            for item in instance:
                if item in seen:
                    out.append("%s: items are not unique" % path)
                    break
                seen.append(item)
        if "items" in schema:
            for i, item in enumerate(instance):
                out += errors(root, item, schema["items"], "%s[%d]" % (path, i))
    if _TYPES["number"](instance):
        if "minimum" in schema and instance < schema["minimum"]:
            out.append("%s: %r is below the minimum %r" % (path, instance, schema["minimum"]))
        if "maximum" in schema and instance > schema["maximum"]:
            out.append("%s: %r is above the maximum %r" % (path, instance, schema["maximum"]))
    if isinstance(instance, str) and "pattern" in schema:
        if not re.search(schema["pattern"], instance):
            out.append("%s: %r does not match %s" % (path, instance, schema["pattern"]))
    if "anyOf" in schema:
        if all(errors(root, instance, s, path) for s in schema["anyOf"]):
            out.append("%s: matches none of anyOf" % path)
    return out


def _short(v):
    s = repr(v)
    return s if len(s) < 60 else s[:57] + "..."
