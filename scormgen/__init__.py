"""scormgen: the course compiler. ``content/`` in, packages for an LMS out.

The stages run one way, one folder each, and nothing is written until every
package of the build is complete and valid (``scormgen.build``)::

    load/       content/ (Markdown + YAML) -> the model, every authoring mistake as file:line
    model.py    the immutable course model: all that later stages and the LTI tool read
    drafts.py   what a release refuses (text marked for review, support contacts unset)
    render/     the model -> the session pages and their assets (HTML, sco.js, sco.css)
    package/    the rendered files -> a format's manifest, checked against its schemas, zipped
      archive.py      reproducible zips, written whole or not at all (every format)
      scorm/          SCORM 1.2: runtime limits, imsmanifest.xml, XSDs, validate, preview
      cartridge/      IMS Common Cartridge 1.1: manifest, QTI quizzes, LTI links, XSDs, validate
    build.py    runs the stages for the formats asked for
    cli.py      the ``scormgen`` command
"""
