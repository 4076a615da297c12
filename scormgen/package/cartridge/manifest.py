"""Build a cartridge's ``imsmanifest.xml`` (IMS Common Cartridge 1.1) with lxml.

The organization is a rooted hierarchy: a root item, one item per module (the pages
outside the sequence, then a session each, in course order), and under each module the items
that open a resource: web pages, the session's quiz, the links to the LTI tool. Moodle
makes a course section of each module; Canvas makes a module of each.

Resources: ``webcontent`` (a page, ``href`` its HTML, ``file`` every file it uses),
``imsqti_xmlv1p2/imscc_xmlv1p1/assessment`` (no ``href``: its one file is the QTI
document) and ``imsbasiclti_xmlv1p0`` (its one file is the link document). Identifiers
derive from the stable content ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from scormgen.package.cartridge.xsd import (
    IMSCC_NS,
    LOMM_NS,
    LOMR_NS,
    WEBCONTENT,
    XSI_NS,
    schema_location,
)
from scormgen.package.common import ManifestInfo, identifier

NSMAP = {None: IMSCC_NS, "lomimscc": LOMM_NS, "lom": LOMR_NS, "xsi": XSI_NS}


@dataclass(frozen=True)
class Resource:
    """One manifest resource: a page, a quiz or an LTI link."""

    key: str  # stable content id stem of RES-/ITEM- identifiers
    type: str  # a CC 1.1 resource type (scormgen.package.cartridge.xsd)
    files: tuple[str, ...]  # the main file first
    href: str | None = None  # webcontent only: the page that opens


@dataclass(frozen=True)
class Item:
    title: str
    resource: Resource


@dataclass(frozen=True)
class Module:
    key: str
    title: str
    items: tuple[Item, ...]


def _cc(tag: str) -> str:
    return f"{{{IMSCC_NS}}}{tag}"


def _lom_text(parent: etree._Element, tag: str, text: str, language: str) -> None:
    element = etree.SubElement(parent, f"{{{LOMM_NS}}}{tag}")
    string = etree.SubElement(element, f"{{{LOMM_NS}}}string")
    if language:
        string.set("language", language)
    string.text = text


def _metadata(manifest: etree._Element, info: ManifestInfo) -> None:
    metadata = etree.SubElement(manifest, _cc("metadata"))
    etree.SubElement(metadata, _cc("schema")).text = "IMS Common Cartridge"
    etree.SubElement(metadata, _cc("schemaversion")).text = "1.1.0"
    general = etree.SubElement(
        etree.SubElement(metadata, f"{{{LOMM_NS}}}lom"), f"{{{LOMM_NS}}}general"
    )
    _lom_text(general, "title", info.title, info.language)
    if info.language:
        etree.SubElement(general, f"{{{LOMM_NS}}}language").text = info.language
    if info.description:
        _lom_text(general, "description", info.description, info.language)


def resources_of(modules: Sequence[Module]) -> list[Resource]:
    """Every resource the modules open, each once, in the order first opened."""
    found: dict[str, Resource] = {}
    for module in modules:
        for item in module.items:
            found.setdefault(item.resource.key, item.resource)
    return list(found.values())


def build_manifest(info: ManifestInfo, modules: Sequence[Module]) -> etree._ElementTree:
    """The manifest of a cartridge whose organization is ``modules``, in that order."""
    if not modules:
        raise ValueError("a cartridge needs at least one module")
    manifest = etree.Element(
        _cc("manifest"), nsmap=NSMAP, identifier=identifier("MANIFEST", info.identifier)
    )
    manifest.set(f"{{{XSI_NS}}}schemaLocation", schema_location(IMSCC_NS, LOMM_NS, LOMR_NS))
    _metadata(manifest, info)

    organizations = etree.SubElement(manifest, _cc("organizations"))
    organization = etree.SubElement(
        organizations,
        _cc("organization"),
        identifier=identifier("ORG", info.identifier),
        structure="rooted-hierarchy",
    )
    root = etree.SubElement(organization, _cc("item"), identifier="LearningModules")
    for module in modules:
        module_item = etree.SubElement(
            root, _cc("item"), identifier=identifier("MODULE", module.key)
        )
        etree.SubElement(module_item, _cc("title")).text = module.title
        for item in module.items:
            element = etree.SubElement(
                module_item,
                _cc("item"),
                identifier=identifier("ITEM", item.resource.key),
                identifierref=identifier("RES", item.resource.key),
            )
            etree.SubElement(element, _cc("title")).text = item.title

    resources = etree.SubElement(manifest, _cc("resources"))
    for resource in resources_of(modules):
        element = etree.SubElement(
            resources,
            _cc("resource"),
            identifier=identifier("RES", resource.key),
            type=resource.type,
        )
        if resource.type == WEBCONTENT and resource.href:
            element.set("href", resource.href)
        for href in dict.fromkeys(resource.files):
            etree.SubElement(element, _cc("file"), href=href)
    return etree.ElementTree(manifest)
