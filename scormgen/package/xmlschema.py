"""XML Schema validation offline, from schema files shipped inside scormgen.

Each format keeps its official schema files beside its code (``scorm/schemas/``,
``cartridge/schemas/``) and loads them here: every ``xs:import`` is answered from
those files by a resolver, and anything else is refused, so validation never reaches
a network. Documents are serialized one way for every format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

# A made-up base so relative schemaLocations resolve to names the resolver knows.
BASE = "file:///scormgen-schemas/"


class LocalSchemas(etree.Resolver):
    """Answers schema imports from memory; anything else is refused rather than fetched."""

    def __init__(self, files: Mapping[str, bytes], what: str) -> None:
        super().__init__()
        self._files = files
        self._what = what

    def resolve(self, system_url, public_id, context):
        name = (system_url or "").rsplit("/", 1)[-1]
        if name in self._files:
            return self.resolve_string(self._files[name], context, base_url=BASE + name)
        raise OSError(f"schema import outside the shipped {self._what} schemas: {system_url}")


def load_schema(files: Mapping[str, bytes], entry: bytes, what: str) -> etree.XMLSchema:
    """The schema whose top document is ``entry``, its imports answered from ``files``."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(LocalSchemas(files, what))
    return etree.XMLSchema(etree.fromstring(entry, parser, base_url=BASE + "entry.xsd"))


def safe_parser() -> etree.XMLParser:
    """A parser for documents read back from a package: no network, entities or DTDs."""
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


@dataclass(frozen=True)
class SchemaError:
    """One schema violation: the document's line and libxml2's message."""

    line: int
    message: str
    document: str = "imsmanifest.xml"

    def __str__(self) -> str:
        return f"{self.document}:{self.line}: {self.message}"


def schema_errors(
    schema: etree.XMLSchema, document: etree._Element | etree._ElementTree, name: str
) -> list[SchemaError]:
    """Every way ``document`` (called ``name`` in messages) breaks ``schema``; empty: valid."""
    if schema.validate(document):
        return []
    return [SchemaError(error.line, error.message, name) for error in schema.error_log]


def serialize(document: etree._ElementTree | etree._Element) -> bytes:
    """A document's bytes: UTF-8 with a declaration, indented, deterministic."""
    if not isinstance(document, etree._ElementTree):
        document = etree.ElementTree(document)
    etree.indent(document, space="  ")
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
