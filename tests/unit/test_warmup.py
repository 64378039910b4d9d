"""The app server's warm-up imports the evaluation's libraries in the background."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from vis.services.warmup import EVALUATION_MODULES, import_all

# A new interpreter, so that modules other tests imported do not count.
PROBE = """
import asyncio, json, sys, threading
from vis.services.warmup import EVALUATION_MODULES, lifespan
before = [m in sys.modules for m in EVALUATION_MODULES]
async def serve():
    async with lifespan(None):
        pass
asyncio.run(serve())
# the server is serving (the lifespan returned) while the imports still run
warming = [t for t in threading.enumerate() if t.name == "vis-warmup" and t.is_alive()]
for t in threading.enumerate():
    if t.name == "vis-warmup":
        t.join(timeout=120)
after = [m in sys.modules for m in EVALUATION_MODULES]
print(json.dumps({"before": before, "warming": len(warming), "after": after}))
"""


def test_the_server_serves_at_once_and_imports_the_evaluation_modules_in_the_background() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=180
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == [False] * len(EVALUATION_MODULES)
    assert seen["warming"] == 1
    assert seen["after"] == [True] * len(EVALUATION_MODULES)


def test_a_module_that_cannot_be_imported_is_logged_and_the_rest_still_load(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sys.modules.pop("tabnanny", None)  # a standard module nothing here uses
    with caplog.at_level(logging.ERROR, logger="vis.services.warmup"):
        import_all(["vis.no_such_module_for_the_test", "tabnanny"])
    assert "vis.no_such_module_for_the_test" in caplog.text
    assert "tabnanny" in sys.modules
