"""A scenario discussion or an assignment as a basic LTI link to the course's LTI tool.

Each link names its activity twice, because the two LMSs keep different parts of it:

- in the launch URL's query, ``<tool>/lti/launch?activity=scenario%3A<id>``: Moodle's
  importer keeps only ``blti:launch_url`` (``backup/cc/entity11.lti.class.php`` reads
  title, description, launch_url and vendor, never ``blti:custom``); the tool reads the
  query of the launch's ``target_link_uri`` claim. One query parameter only: Moodle's
  importer passes the URL through ``htmlentities`` (an ``&`` would become ``&amp;``).
- as the custom parameter ``activity``: what the tool's own deep-linking links carry;
  Canvas keeps ``blti:custom`` (``lib/cc/importer/blti_converter.rb``).

The ``canvas.instructure.com`` extension carries ``outcome`` (the points possible:
Canvas makes a graded external-tool assignment of a link that has it) and, when
given, ``client_id`` (the tool's LTI 1.3 developer key in that Canvas).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from lxml import etree

from scormgen.package.cartridge.xsd import (
    BLTI_NS,
    LTICC_NS,
    LTICM_NS,
    LTICP_NS,
    XSI_NS,
    schema_location,
)

#: The tool's launch endpoint, below its base URL (``lti_tool/lti/views.py``).
LAUNCH_PATH = "/lti/launch"
CANVAS_PLATFORM = "canvas.instructure.com"
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

NSMAP = {None: LTICC_NS, "blti": BLTI_NS, "lticm": LTICM_NS, "lticp": LTICP_NS, "xsi": XSI_NS}


class ToolUrlError(ValueError):
    """A tool URL the cartridge cannot point its links at."""


def check_tool_url(url: str) -> str:
    """The tool's base URL without a trailing slash; ``ToolUrlError`` says what is wrong.

    https only (an LMS launches over TLS; http is accepted for localhost, for tests),
    with a host, and nothing after the path: the links add the launch path and query.
    """
    text = (url or "").strip().rstrip("/")
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        raise ToolUrlError(f"the tool URL {url!r} is not an absolute URL (https://host/...)")
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS):
        raise ToolUrlError(f"the tool URL {url!r} must use https (http only for localhost)")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ToolUrlError(
            f"the tool URL {url!r} must be the tool's base URL, without query, fragment "
            "or credentials"
        )
    if text.endswith(LAUNCH_PATH):
        raise ToolUrlError(
            f"the tool URL {url!r} must be the tool's base URL; the links add {LAUNCH_PATH}"
        )
    return text


def launch_url(tool_url: str, activity_key: str) -> str:
    """``<tool>/lti/launch?activity=<key>``, encoded as the tool's deep-linking links are."""
    return f"{tool_url}{LAUNCH_PATH}?{urlencode({'activity': activity_key})}"


@dataclass(frozen=True)
class LtiLink:
    """What a link says: its activity, where it launches, and whether it is graded."""

    activity_key: str  # "scenario:<id>" or "assignment:<id>"
    title: str
    description: str
    launch_url: str
    points_possible: int | None  # graded activities only
    vendor_code: str
    vendor_name: str
    canvas_client_id: str | None = None


def _property(parent: etree._Element, name: str, value: str) -> None:
    etree.SubElement(parent, f"{{{LTICM_NS}}}property", name=name).text = value


def build_lti_link(link: LtiLink) -> etree._ElementTree:
    """The ``cartridge_basiclti_link`` document (element order as the schema's sequence)."""
    root = etree.Element(f"{{{LTICC_NS}}}cartridge_basiclti_link", nsmap=NSMAP)
    root.set(
        f"{{{XSI_NS}}}schemaLocation",
        schema_location(LTICC_NS, BLTI_NS, LTICM_NS, LTICP_NS),
    )
    etree.SubElement(root, f"{{{BLTI_NS}}}title").text = link.title
    if link.description:
        etree.SubElement(root, f"{{{BLTI_NS}}}description").text = link.description
    custom = etree.SubElement(root, f"{{{BLTI_NS}}}custom")
    _property(custom, "activity", link.activity_key)
    canvas: list[tuple[str, str]] = []
    if link.points_possible:
        canvas.append(("outcome", str(link.points_possible)))
    if link.canvas_client_id:
        canvas.append(("client_id", link.canvas_client_id))
    if canvas:
        extensions = etree.SubElement(root, f"{{{BLTI_NS}}}extensions", platform=CANVAS_PLATFORM)
        for name, value in canvas:
            _property(extensions, name, value)
    etree.SubElement(root, f"{{{BLTI_NS}}}launch_url").text = link.launch_url
    vendor = etree.SubElement(root, f"{{{BLTI_NS}}}vendor")
    etree.SubElement(vendor, f"{{{LTICP_NS}}}code").text = link.vendor_code
    etree.SubElement(vendor, f"{{{LTICP_NS}}}name").text = link.vendor_name
    return etree.ElementTree(root)
