"""Package stage: rendered files plus a format's manifest, validated, zipped reproducibly.

``archive`` writes the zips of every format; ``scorm`` and ``cartridge`` each build
and validate their format's manifest and files, and read such packages back
(``scormgen validate``).
"""
