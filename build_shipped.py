"""Build step: the wheel carries ``templates/`` and ``content/`` (see ``scormgen.shipped``).

They stay at the repository's root, where the design puts them and where authors edit
them; setuptools' ``build_py`` copies them into ``scormgen/_shipped/`` of the build,
so the wheel (never the checkout) has them. ``pyproject.toml`` names this command
(``[tool.setuptools.cmdclass]``) and ``MANIFEST.in`` puts this file and both folders in
the source distribution, from which ``python -m build`` makes the wheel.
"""

from __future__ import annotations

import os

from setuptools.command.build_py import build_py

#: Folder at the repository's root -> where the wheel carries it.
SHIPPED = {"templates": "scormgen/_shipped/templates", "content": "scormgen/_shipped/content"}


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's folders
            return
        for source, target in SHIPPED.items():
            self.copy_tree(source, os.path.join(self.build_lib, target))
