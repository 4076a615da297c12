"""Render stage: the course model to the pages and assets every package format carries.

``pages`` renders a session or page to HTML (jinja2 templates in ``templates/sco/``,
Markdown through ``markdown``); ``runtime/`` holds the page runtime (``sco.js``,
``sco.css``); ``files`` is what the stage hands the package stage.
"""

from scormgen.render.files import RenderedFiles, RenderedSco
from scormgen.render.pages import (
    ASSETS,
    page_path,
    render_package_files,
    render_web_pages,
    session_path,
)

__all__ = [
    "ASSETS",
    "RenderedFiles",
    "RenderedSco",
    "page_path",
    "render_package_files",
    "render_web_pages",
    "session_path",
]
