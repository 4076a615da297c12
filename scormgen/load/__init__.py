"""Load stage: ``content/`` into the course model (``scormgen.model``).

``check_content`` reads everything and returns the course with every diagnostic;
``load_course`` returns the course or raises ``AuthoringError``. The modules:
``loader`` (files, front matter, sessions and pages), ``blocks`` (the fenced
interaction blocks), ``settings`` (``course.yml``), ``fields`` (declared fields
with their checks), ``yamlsource`` (YAML with line numbers).
"""

from scormgen.load.loader import check_content, load_course

__all__ = ["check_content", "load_course"]
