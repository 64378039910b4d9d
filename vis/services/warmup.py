"""The app server's warm-up: the pilot evaluation's libraries, imported once at start-up.

The evaluation page computes a pilot's report (it needs the report itself, not the stored text
of `vis evaluate`). In a server process nobody used yet, its first negative-binomial pilot would
also pay statsmodels' import (about 1 s), so an evaluator's first view would take about 1.7 s
instead of the warm 0.6 s (issue 12: at most 1 s). :func:`lifespan` starts one background thread
when the server starts that imports those modules; the first evaluation then finds them loaded
(Python's import lock makes an evaluation that starts earlier wait for the import, never import
twice). Sessions are served meanwhile: the thread only imports, it reads no data.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

log = logging.getLogger(__name__)

#: What the evaluation page imports on its first report, heaviest first: the negative-binomial
#: GLM (:func:`briefing.evaluation.did._negbin` imports these two itself), the report and the
#: page's service.
EVALUATION_MODULES: tuple[str, ...] = (
    "statsmodels.genmod.generalized_linear_model",
    "statsmodels.genmod.families",
    "briefing.evaluation.report",
    "vis.services.evaluation",
)


def import_all(modules: Sequence[str]) -> None:
    """Import ``modules``; one that fails is logged and the rest still load (the page would
    then report the same error itself, where the evaluator sees it)."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            log.exception("warm-up: %s could not be imported", name)
    log.info("warm-up: the evaluation's modules are imported")


def start_warmup(modules: Sequence[str] = EVALUATION_MODULES) -> threading.Thread:
    """A started daemon thread that imports ``modules``."""
    thread = threading.Thread(
        target=import_all, args=(tuple(modules),), name="vis-warmup", daemon=True
    )
    thread.start()
    return thread


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """``st.App``'s lifespan: start the warm-up, serve, and leave the daemon thread be."""
    start_warmup()
    yield
