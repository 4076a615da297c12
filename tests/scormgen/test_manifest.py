"""imsmanifest.xml: what an LMS reads to list and launch the SCOs, checked by xpath and XSD."""

from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from scormgen.package.scorm.manifest import ManifestInfo, build_manifest, identifier
from scormgen.package.scorm.xsd import ADLCP_NS, IMSCP_NS, IMSMD_NS, schema_bytes, validate_manifest
from scormgen.package.xmlschema import serialize
from scormgen.render.files import RenderedSco
from tests.scormgen.paths import shared_file

NS = {"cp": IMSCP_NS, "adlcp": ADLCP_NS, "imsmd": IMSMD_NS}
GOLF = ("fixtures", "scorm12", "golf_runtime_basic_calls_scorm12.zip")

SCOS = (
    RenderedSco(
        "what-is-recovery",
        "What is Recovery?",
        "01-what-is-recovery/index.html",
        ("01-what-is-recovery/index.html", "runtime/sco.js", "runtime/sco.css"),
        80,
    ),
    RenderedSco(
        "useful-resources",
        "Useful Resources",
        "useful-resources/index.html",
        ("useful-resources/index.html", "runtime/sco.js"),
        None,
    ),
)
INFO = ManifestInfo(
    "peer-support-training", "1.0", "Peer Support Training", "Eleven sessions.", "en-GB"
)


@pytest.fixture
def manifest() -> etree._Element:
    # Round-trip through bytes, as the LMS reads it.
    return etree.fromstring(serialize(build_manifest(INFO, SCOS)))


def xpath(element, path):
    return element.xpath(path, namespaces=NS)


def test_manifest_is_valid_against_the_scorm12_schemas(manifest):
    assert validate_manifest(manifest) == []


def test_metadata_declares_adl_scorm_1_2(manifest):
    assert xpath(manifest, "string(/cp:manifest/cp:metadata/cp:schema)") == "ADL SCORM"
    assert xpath(manifest, "string(/cp:manifest/cp:metadata/cp:schemaversion)") == "1.2"
    assert (
        xpath(manifest, "string(//imsmd:lom/imsmd:general/imsmd:title/imsmd:langstring)")
        == "Peer Support Training"
    )


def test_identifiers_derive_from_the_stable_content_ids(manifest):
    assert manifest.get("identifier") == "MANIFEST-peer-support-training"
    assert manifest.get("version") == "1.0"
    assert xpath(manifest, "string(/cp:manifest/cp:organizations/@default)") == (
        "ORG-peer-support-training"
    )
    assert xpath(manifest, "//cp:organization/cp:item/@identifier") == [
        "ITEM-what-is-recovery",
        "ITEM-useful-resources",
    ]
    assert xpath(manifest, "//cp:resource/@identifier") == [
        "RES-what-is-recovery",
        "RES-useful-resources",
    ]


def test_items_follow_course_order_and_refer_to_their_resources(manifest):
    items = xpath(manifest, "//cp:organization/cp:item")
    assert [xpath(i, "string(cp:title)") for i in items] == [
        "What is Recovery?",
        "Useful Resources",
    ]
    assert [i.get("identifierref") for i in items] == [
        "RES-what-is-recovery",
        "RES-useful-resources",
    ]
    assert xpath(manifest, "string(//cp:organization/cp:title)") == "Peer Support Training"


def test_mastery_score_only_where_the_content_sets_one(manifest):
    assert xpath(manifest, "//cp:item[@identifier='ITEM-what-is-recovery']/adlcp:masteryscore")[
        0
    ].text == ("80")
    assert (
        xpath(manifest, "//cp:item[@identifier='ITEM-useful-resources']/adlcp:masteryscore") == []
    )


def test_every_launchable_resource_is_a_sco_listing_all_its_files(manifest):
    for resource in xpath(manifest, "//cp:resource"):
        assert resource.get(f"{{{ADLCP_NS}}}scormtype") == "sco"
        assert resource.get("type") == "webcontent"
    first = xpath(manifest, "//cp:resource[@identifier='RES-what-is-recovery']")[0]
    assert first.get("href") == "01-what-is-recovery/index.html"
    assert xpath(first, "cp:file/@href") == [
        "01-what-is-recovery/index.html",
        "runtime/sco.js",
        "runtime/sco.css",
    ]


def test_no_reference_leaves_the_package(manifest):
    hrefs = xpath(manifest, "//@href")
    assert hrefs
    assert not [h for h in hrefs if "://" in h or h.startswith(("/", "//")) or ".." in h]


def test_identifier_keeps_an_id_starting_with_a_digit_a_valid_xsd_id():
    assert identifier("ITEM", "01-intro") == "ITEM-01-intro"
    with pytest.raises(ValueError, match="not a valid manifest identifier"):
        identifier("ITEM", "bad id")


def test_a_package_needs_a_sco():
    with pytest.raises(ValueError, match="at least one SCO"):
        build_manifest(INFO, ())


def test_schema_violations_name_the_manifest_line():
    document = etree.fromstring(serialize(build_manifest(INFO, SCOS)))
    document.remove(xpath(document, "cp:resources")[0])
    errors = validate_manifest(etree.fromstring(etree.tostring(document)))
    assert errors
    assert str(errors[0]).startswith("imsmanifest.xml:")
    assert "resources" in errors[0].message


def test_bad_scormtype_breaks_the_adl_schema():
    document = etree.fromstring(serialize(build_manifest(INFO, SCOS)))
    xpath(document, "//cp:resource")[0].set(f"{{{ADLCP_NS}}}scormtype", "lesson")
    assert validate_manifest(document)


def test_a_third_party_scorm12_manifest_validates():
    with zipfile.ZipFile(shared_file(*GOLF)) as archive:
        document = etree.fromstring(archive.read("imsmanifest.xml"))
    assert validate_manifest(document) == []


def test_shipped_schemas_are_byte_for_byte_the_official_files():
    official = shared_file("schemas", "scorm12")
    shipped = schema_bytes()
    assert sorted(shipped) == sorted(p.name for p in official.glob("*.xsd"))
    for name, data in shipped.items():
        assert data == (official / name).read_bytes(), name
