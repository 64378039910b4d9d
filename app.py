"""VIS app entry point: `vis serve` (or `streamlit run app.py`). Everything lives in vis.pages."""

from vis.pages.shell import run

run()
