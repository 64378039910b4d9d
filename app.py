"""VIS app entry point: `vis serve` (or `streamlit run app.py`).

Streamlit runs this file twice over. As every session's script (``__name__ == "__main__"``) it
draws the pages (:mod:`vis.pages.shell`). Imported as the module ``app`` by `streamlit run`, which
finds ``app = st.App(...)`` in it, it is the web server: Streamlit's routes plus VIS's audited
download route and security middleware (:mod:`vis.web`).
"""

import streamlit as st

if __name__ == "__main__":
    from vis.pages.shell import run

    run()
else:
    from vis.web import middleware, redact_session_ids, routes

    redact_session_ids()
    app = st.App(__file__, routes=routes(), middleware=middleware())
