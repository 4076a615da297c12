"""Validate a cartridge's manifest, QTI assessments and LTI links against the CC 1.1 schemas.

The files in ``schemas/`` are byte-for-byte copies of the IMS Common Cartridge 1.1
schemas as Moodle 4.5 ships them in ``backup/cc/schemas11/`` (Moodle refuses a
cartridge whose manifest fails them). ``cc11libxml2validator.xsd`` is Moodle's
wrapper importing the manifest's four namespaces; the LTI link and the QTI
schemas are loaded on their own. libxml2 loads them all as they are: no patch.
"""

from __future__ import annotations

import functools
from importlib import resources

from lxml import etree

from scormgen.package.xmlschema import SchemaError, load_schema, schema_errors

IMSCC_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
LOMM_NS = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
LOMR_NS = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/resource"
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
LTICC_NS = "http://www.imsglobal.org/xsd/imslticc_v1p0"
BLTI_NS = "http://www.imsglobal.org/xsd/imsbasiclti_v1p0"
LTICM_NS = "http://www.imsglobal.org/xsd/imslticm_v1p0"
LTICP_NS = "http://www.imsglobal.org/xsd/imslticp_v1p0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

#: Resource types (CC 1.1 manifest ``resource/@type``) this compiler writes.
WEBCONTENT = "webcontent"
ASSESSMENT = "imsqti_xmlv1p2/imscc_xmlv1p1/assessment"
BASIC_LTI = "imsbasiclti_xmlv1p0"

#: Where each namespace's schema is published, for xsi:schemaLocation (readers only:
#: validation uses the shipped copies).
PUBLISHED = {
    IMSCC_NS: "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd",
    LOMM_NS: "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lommanifest_v1p0.xsd",
    LOMR_NS: "http://www.imsglobal.org/profile/cc/ccv1p1/LOM/ccv1p1_lomresource_v1p0.xsd",
    QTI_NS: "http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_qtiasiv1p2p1_v1p0.xsd",
    LTICC_NS: "http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticc_v1p0.xsd",
    BLTI_NS: "http://www.imsglobal.org/xsd/lti/ltiv1p0/imsbasiclti_v1p0p1.xsd",
    LTICM_NS: "http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticm_v1p0.xsd",
    LTICP_NS: "http://www.imsglobal.org/xsd/lti/ltiv1p0/imslticp_v1p0.xsd",
}

MANIFEST_SCHEMA = "cc11libxml2validator.xsd"
QTI_SCHEMA = "ccv1p1_qtiasiv1p2p1_v1p0.xsd"
LTI_SCHEMA = "imslticc_v1p0p1.xsd"


def schema_location(*namespaces: str) -> str:
    return " ".join(f"{namespace} {PUBLISHED[namespace]}" for namespace in namespaces)


@functools.cache
def schema_files() -> dict[str, bytes]:
    """The shipped CC 1.1 schema files, keyed by file name."""
    folder = resources.files(__package__) / "schemas"
    return {
        entry.name: entry.read_bytes()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".xsd")
    }


@functools.cache
def _schema(name: str) -> etree.XMLSchema:
    files = schema_files()
    return load_schema(files, files[name], "Common Cartridge 1.1")


def validate_manifest(document: etree._Element | etree._ElementTree) -> list[SchemaError]:
    """Every way ``imsmanifest.xml`` breaks the CC 1.1 manifest schemas (empty: valid)."""
    return schema_errors(_schema(MANIFEST_SCHEMA), document, "imsmanifest.xml")


def validate_qti(document: etree._Element | etree._ElementTree, name: str) -> list[SchemaError]:
    """Every way a QTI assessment breaks the CC 1.1 QTI profile schema (empty: valid)."""
    return schema_errors(_schema(QTI_SCHEMA), document, name)


def validate_lti_link(
    document: etree._Element | etree._ElementTree, name: str
) -> list[SchemaError]:
    """Every way an LTI link breaks the CC basic LTI link schema (empty: valid)."""
    return schema_errors(_schema(LTI_SCHEMA), document, name)
