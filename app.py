"""VIS app entry point: `vis serve` (or `streamlit run app.py`).

Streamlit runs this file twice over. As every session's script (``__name__ == "__main__"``) it
draws the pages (:mod:`vis.pages.shell`). Imported as the module ``app`` by `streamlit run`, which
finds ``app = st.App(...)`` in it, it is the web server: Streamlit's routes plus VIS's audited
download route and security middleware (:mod:`vis.web`), with a lifespan that warms the pilot
evaluation's imports in the background (:mod:`vis.services.warmup`).
"""

import streamlit as st

if __name__ == "__main__":
    from vis.pages.shell import run

    run()
else:
    from vis.services.warmup import lifespan
    from vis.web import middleware, redact_session_ids, routes

    redact_session_ids()
    app = st.App(__file__, lifespan=lifespan, routes=routes(), middleware=middleware())
