"""``scormgen serve`` and ``scormgen build --watch``: the author's loop, edit and see.

``server`` serves the course in ``preview``'s LMS frame and rebuilds it in memory on
every save (``start_serve``); ``watch`` notices saves by polling modification times.
"""

from scormgen.serve.server import LiveCourse, Serving, compile_course, start_serve
from scormgen.serve.watch import snapshot, watch

__all__ = ["LiveCourse", "Serving", "compile_course", "snapshot", "start_serve", "watch"]
