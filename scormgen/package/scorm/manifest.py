"""Build ``imsmanifest.xml`` (SCORM 1.2 CAM, IMS Content Packaging 1.1.2) with lxml.

One organization, one item per SCO in the order the render stage hands them
over (course order), one ``webcontent`` resource per SCO with
``adlcp:scormtype="sco"`` and every file it uses. Identifiers derive from the
stable content ids, so a re-published package keeps the LMS's tracking data:
Moodle keys its SCO tracks on the item identifier.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from scormgen.package.common import ManifestInfo, identifier
from scormgen.package.scorm.xsd import ADLCP_NS, IMSCP_NS, IMSMD_NS, SCHEMA_FILES, XML_NS, XSI_NS
from scormgen.render.files import RenderedSco

NSMAP = {None: IMSCP_NS, "adlcp": ADLCP_NS, "imsmd": IMSMD_NS, "xsi": XSI_NS}

#: Tells readers (not validators: they must use local copies) which schema file
#: at the package root describes each namespace.
SCHEMA_LOCATION = " ".join(
    f"{namespace} {SCHEMA_FILES[namespace]}" for namespace in (IMSCP_NS, IMSMD_NS, ADLCP_NS)
)


def _cp(tag: str) -> str:
    return f"{{{IMSCP_NS}}}{tag}"


def _langstring(parent: etree._Element, text: str, language: str) -> None:
    element = etree.SubElement(parent, f"{{{IMSMD_NS}}}langstring")
    if language:
        element.set(f"{{{XML_NS}}}lang", language)
    element.text = text


def _metadata(manifest: etree._Element, info: ManifestInfo) -> None:
    metadata = etree.SubElement(manifest, _cp("metadata"))
    etree.SubElement(metadata, _cp("schema")).text = "ADL SCORM"
    etree.SubElement(metadata, _cp("schemaversion")).text = "1.2"
    lom = etree.SubElement(metadata, f"{{{IMSMD_NS}}}lom")
    general = etree.SubElement(lom, f"{{{IMSMD_NS}}}general")
    _langstring(etree.SubElement(general, f"{{{IMSMD_NS}}}title"), info.title, info.language)
    if info.language:
        etree.SubElement(general, f"{{{IMSMD_NS}}}language").text = info.language
    if info.description:
        _langstring(
            etree.SubElement(general, f"{{{IMSMD_NS}}}description"),
            info.description,
            info.language,
        )


def build_manifest(info: ManifestInfo, scos: Sequence[RenderedSco]) -> etree._ElementTree:
    """The manifest of a package whose launchable SCOs are ``scos``, in that order."""
    if not scos:
        raise ValueError("a package needs at least one SCO")
    manifest = etree.Element(
        _cp("manifest"),
        nsmap=NSMAP,
        identifier=identifier("MANIFEST", info.identifier),
        version=info.version,
    )
    manifest.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    _metadata(manifest, info)

    organization_id = identifier("ORG", info.identifier)
    organizations = etree.SubElement(manifest, _cp("organizations"), default=organization_id)
    organization = etree.SubElement(organizations, _cp("organization"), identifier=organization_id)
    etree.SubElement(organization, _cp("title")).text = info.title
    resources = etree.SubElement(manifest, _cp("resources"))
    for sco in scos:
        resource_id = identifier("RES", sco.identifier)
        item = etree.SubElement(
            organization,
            _cp("item"),
            identifier=identifier("ITEM", sco.identifier),
            identifierref=resource_id,
        )
        etree.SubElement(item, _cp("title")).text = sco.title
        if sco.mastery_score is not None:
            etree.SubElement(item, f"{{{ADLCP_NS}}}masteryscore").text = str(sco.mastery_score)

        resource = etree.SubElement(
            resources, _cp("resource"), identifier=resource_id, type="webcontent"
        )
        resource.set(f"{{{ADLCP_NS}}}scormtype", "sco")
        resource.set("href", sco.launch)
        files = list(dict.fromkeys((sco.launch, *sco.files)))  # launch page first, no repeats
        for href in files:
            etree.SubElement(resource, _cp("file"), href=href)
    return etree.ElementTree(manifest)
