"""SCORM 1.2 packages: runtime limits (``checks``, ``suspend``), the manifest
(``manifest``, ``xsd``, ``schemas/``), the packages of a build (``packages``),
and reading a package back (``validate``, ``preview``)."""
