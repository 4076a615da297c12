"""The Common Cartridge's LTI links, launched through the test platform as an LMS that
imported the cartridge launches them.

``scormgen build --format cc`` writes one link per scenario discussion and assignment,
naming its activity in the launch URL's query and as the custom parameter ``activity``.
Moodle's import keeps only the URL (the platform sends it as the ``target_link_uri``
claim, no custom parameter); Canvas keeps both. Either way the tool must open the
link's own activity, and refuse a URL naming an activity the course does not have.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from lti_tool import db
from lti_tool.activities import DEFAULT_COURSE_PATH
from lti_tool.lti import targets
from lti_tool.models import ResourceLink
from scormgen.build import build, cartridge_options
from scormgen.load import load_course
from scormgen.package.cartridge.xsd import BASIC_LTI, BLTI_NS, IMSCC_NS, LTICM_NS
from tests.lti_platform import LEARNER, launch

NS = {"cp": IMSCC_NS, "blti": BLTI_NS, "lticm": LTICM_NS}
COURSE = load_course(DEFAULT_COURSE_PATH)
TITLES = {f"scenario:{s.id}": s.title for s in COURSE.scenarios} | {
    f"assignment:{a.id}": a.title for a in COURSE.assignments
}
DISCUSSION = re.compile(r'data-discussion="(\d+)"')


def cartridge_links(tool_url: str, folder: Path) -> dict[str, str]:
    """``{activity key: launch URL}`` of every LTI link in a cartridge built for ``tool_url``."""
    result = build(
        DEFAULT_COURSE_PATH, folder, formats=("cc",), cartridge=cartridge_options(tool_url, None)
    )
    links = {}
    with zipfile.ZipFile(result.packages[0].path) as archive:
        manifest = etree.fromstring(archive.read("imsmanifest.xml"))
        for resource in manifest.iterfind(f".//cp:resource[@type='{BASIC_LTI}']", NS):
            link = etree.fromstring(archive.read(resource.find("cp:file", NS).get("href")))
            key = link.findtext("blti:custom/lticm:property[@name='activity']", namespaces=NS)
            links[key] = link.findtext("blti:launch_url", namespaces=NS)
    return links


@pytest.fixture
def links(connected, tmp_path) -> dict[str, str]:
    found = cartridge_links(connected.tool.url, tmp_path)
    assert set(found) == set(TITLES)
    return found


def recorded_activity(connected, resource_link_id: str) -> str | None:
    with connected.app.app_context():
        link = db.get_session().scalar(
            select(ResourceLink).where(ResourceLink.resource_link_id == resource_link_id)
        )
        return link.activity_key


def has_target(connected, kind: str) -> bool:
    with connected.app.app_context():
        return targets.handler_for(kind) is not None


@pytest.mark.parametrize("key", sorted(TITLES))
@pytest.mark.parametrize("kept", ["url only (Moodle)", "url and custom (Canvas)"])
def test_each_cartridge_link_opens_its_own_activity(connected, links, key, kept):
    link_id = "cc-" + key.replace(":", "-")
    custom = {"activity": key} if kept.startswith("url and custom") else {}
    connected.platform.resource_link("c1", link_id, custom=custom)

    response = launch(
        connected.platform,
        user=LEARNER,
        course_id="c1",
        resource_link_id=link_id,
        target_link_uri=links[key],
    )

    assert recorded_activity(connected, link_id) == key
    kind = key.split(":", 1)[0]
    if kind == "assignment" and not has_target(connected, "assignment"):
        # The assignments feature has not registered its launch target: the tool says so.
        assert response.status_code == 404
        return
    assert response.status_code == 200, response.text[:500]
    assert TITLES[key] in html.unescape(response.text)
    if kind == "scenario":
        assert DISCUSSION.search(response.text), "the page is no discussion"


def test_an_unknown_activity_in_a_launch_url_is_refused_with_a_clear_page(connected):
    connected.platform.resource_link("c1", "stale", custom={})

    response = launch(
        connected.platform,
        user=LEARNER,
        course_id="c1",
        resource_link_id="stale",
        target_link_uri=connected.tool.url + "/lti/launch?activity=scenario%3Ascenario-no-such",
    )

    assert response.status_code == 404
    assert "This activity is not part of the course" in response.text
    assert DISCUSSION.search(response.text) is None
