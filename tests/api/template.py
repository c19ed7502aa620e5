#!/usr/bin/env python3
"""template.py DIR [sqlite] [postgres] — builds the run's demo stores once
(harness.make_template); tests/run.sh exports SIFASUO_TEST_TEMPLATES=DIR so
that every test that needs the demo data copies them instead of running
`init --demo` again."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

root = sys.argv[1]
for kind in sys.argv[2:] or ["sqlite"]:
    harness.make_template(kind, root)
