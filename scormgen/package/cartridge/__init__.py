"""IMS Common Cartridge 1.1: one ``.imscc`` with the whole course for an LMS's course import.

``manifest`` (the organization and resources), ``qti`` (knowledge checks as QTI 1.2.1
assessments in the CC profile), ``lti`` (links to the LTI tool's activities), ``xsd``
and ``schemas/`` (the official CC 1.1 schemas, as Moodle validates with them),
``packages`` (the cartridge of a build, validated whole before it is zipped) and
``validate`` (any cartridge read back, as ``scormgen validate`` does).
"""
