"""Validate an ``imsmanifest.xml`` against the official SCORM 1.2 schemas, offline.

The schema files in ``scormgen/package/scorm/schemas/`` are byte-for-byte copies of the ones
ADL and IMS published in 2001 (and that packages conventionally carry at their
root). libxml2 refuses two of them as they are, so they are patched in memory
only, as ``shared/schemas/scorm12/README.md`` describes:

- ``ims_xml.xsd`` binds the reserved ``xml`` namespace as the default
  namespace ("xml namespace URI cannot be the default namespace"): that one
  declaration is dropped.
- ``imsmd_rootv1p2p1.xsd`` puts ``<xsd:any namespace="##any">`` beside its own
  elements, a non-deterministic content model: it is loaded as ``##other``
  (what later IMS meta-data versions use).

``imscp_rootv1p1p2.xsd`` does not import the ADL and meta-data schemas, so a
small wrapper schema imports all three namespaces. Every import is answered
from the package's own files (``scormgen.package.xmlschema``); the parser never
reaches a network.
"""

from __future__ import annotations

import functools
from importlib import resources

from lxml import etree

from scormgen.package.xmlschema import SchemaError, load_schema, schema_errors

IMSCP_NS = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP_NS = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD_NS = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"

#: The schema files, keyed by namespace, as packages carry them at their root.
SCHEMA_FILES = {
    IMSCP_NS: "imscp_rootv1p1p2.xsd",
    ADLCP_NS: "adlcp_rootv1p2.xsd",
    IMSMD_NS: "imsmd_rootv1p2p1.xsd",
    XML_NS: "ims_xml.xsd",
}

_PATCHES = {
    "ims_xml.xsd": (b'xmlns="http://www.w3.org/XML/1998/namespace"', b""),
    "imsmd_rootv1p2p1.xsd": (b'namespace="##any"', b'namespace="##other"'),
}


def schema_bytes() -> dict[str, bytes]:
    """The shipped schema files, unpatched, keyed by file name (what a package carries)."""
    folder = resources.files(__package__) / "schemas"
    return {name: (folder / name).read_bytes() for name in sorted(SCHEMA_FILES.values())}


def _patched(name: str, data: bytes) -> bytes:
    if name in _PATCHES:
        old, new = _PATCHES[name]
        if old not in data:
            raise RuntimeError(f"{name}: the known defect to patch ({old!r}) was not found")
        data = data.replace(old, new)
    return data


def _wrapper() -> bytes:
    root = etree.Element(
        "{http://www.w3.org/2001/XMLSchema}schema",
        nsmap={"xsd": "http://www.w3.org/2001/XMLSchema"},
        targetNamespace="urn:scormgen:wrapper",
    )
    for namespace in (IMSCP_NS, ADLCP_NS, IMSMD_NS):
        etree.SubElement(
            root,
            "{http://www.w3.org/2001/XMLSchema}import",
            namespace=namespace,
            schemaLocation=SCHEMA_FILES[namespace],
        )
    return etree.tostring(root)


@functools.cache
def manifest_schema() -> etree.XMLSchema:
    """The SCORM 1.2 manifest schema, parsed once per process."""
    files = {name: _patched(name, data) for name, data in schema_bytes().items()}
    return load_schema(files, _wrapper(), "SCORM 1.2")


def validate_manifest(document: etree._Element | etree._ElementTree) -> list[SchemaError]:
    """Every way the manifest breaks the SCORM 1.2 schemas (an empty list: valid)."""
    return schema_errors(manifest_schema(), document, "imsmanifest.xml")
