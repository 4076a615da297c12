"""``scormgen build --format cc``: the whole course as one IMS Common Cartridge 1.1.

The shipped course is built once; each test reads the cartridge as an importing LMS
would: the manifest, every file it names, each QTI assessment and each LTI link.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from lxml import etree

from scormgen.build import BuildError, build, cartridge_options
from scormgen.cli import main
from scormgen.diagnostics import AuthoringError
from scormgen.load import load_course
from scormgen.model import Assignment, Scenario
from scormgen.package.cartridge import packages as cartridge_packages
from scormgen.package.cartridge import qti
from scormgen.package.cartridge.validate import validate_cartridge
from scormgen.package.cartridge.xsd import (
    ASSESSMENT,
    BASIC_LTI,
    BLTI_NS,
    IMSCC_NS,
    LTICM_NS,
    QTI_NS,
    WEBCONTENT,
    schema_files,
    validate_lti_link,
    validate_manifest,
    validate_qti,
)
from tests.scormgen.content_fixture import SESSION_MD, write_course
from tests.scormgen.paths import CONTENT, shared_file

TOOL = "https://tool.example.edu"
CLIENT_ID = "10000000000042"
NS = {"cp": IMSCC_NS, "qti": QTI_NS, "blti": BLTI_NS, "lticm": LTICM_NS}


def read(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data)


@pytest.fixture(scope="module")
def course():
    return load_course(CONTENT)


@pytest.fixture(scope="module")
def cartridge(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("cc")
    result = build(
        CONTENT, output, formats=("cc",), cartridge=cartridge_options(TOOL + "/", CLIENT_ID)
    )
    (package,) = result.packages
    assert package.path == output / "peer-support-training.imscc"
    return package.path


@pytest.fixture(scope="module")
def files(cartridge) -> dict[str, bytes]:
    return read(cartridge)


@pytest.fixture(scope="module")
def manifest(files) -> etree._Element:
    return xml(files["imsmanifest.xml"])


def resource(manifest: etree._Element, identifier: str) -> etree._Element:
    (found,) = manifest.iterfind(f".//cp:resource[@identifier='{identifier}']", NS)
    return found


def first_file(element: etree._Element) -> str:
    return element.find("cp:file", NS).get("href")


def modules(manifest: etree._Element) -> list[etree._Element]:
    return manifest.findall("cp:organizations/cp:organization/cp:item/cp:item", NS)


# ------------------------------------------------------------------ the manifest


def test_the_manifest_is_common_cartridge_1_1_and_valid_against_its_schemas(manifest):
    assert manifest.findtext("cp:metadata/cp:schema", namespaces=NS) == "IMS Common Cartridge"
    assert manifest.findtext("cp:metadata/cp:schemaversion", namespaces=NS) == "1.1.0"
    assert validate_manifest(manifest) == []


def test_every_file_the_manifest_names_is_in_the_cartridge_and_every_file_is_named(manifest, files):
    named = {f.get("href") for f in manifest.iterfind(".//cp:resource/cp:file", NS)}
    named |= {r.get("href") for r in manifest.iterfind(".//cp:resource", NS) if r.get("href")}
    assert named <= set(files)
    assert set(files) - named == {"imsmanifest.xml"}


def test_every_item_opens_a_declared_resource(manifest):
    declared = {r.get("identifier") for r in manifest.iterfind(".//cp:resource", NS)}
    refs = [i.get("identifierref") for i in manifest.iter(f"{{{IMSCC_NS}}}item")]
    assert {ref for ref in refs if ref} <= declared


def test_the_useful_resources_page_then_one_module_per_session_in_order(manifest, course):
    # Moodle puts the first module in section 0: each session lands in its own number's.
    titles = [m.findtext("cp:title", namespaces=NS) for m in modules(manifest)]
    assert titles == ["Useful Resources"] + [
        f"Session {s.number}: {s.title}" for s in course.sessions
    ]


def test_a_module_holds_its_support_notice_page_quiz_and_tool_links_in_order(manifest, course):
    for module, session in zip(modules(manifest)[1:], course.sessions, strict=True):
        refs = [item.get("identifierref") for item in module.findall("cp:item", NS)]
        expected = [f"RES-page-support-{session.id}"] if session.support_notice else []
        expected.append(f"RES-page-{session.id}")
        if session.questions:
            expected.append(f"RES-quiz-{session.id}")
        expected += [
            f"RES-lti-{block.kind}-{block.id}"
            for block in session.blocks
            if isinstance(block, Scenario | Assignment)
        ]
        assert refs == expected, session.id


def test_resources_have_the_types_an_lms_imports(manifest):
    kinds = {r.get("identifier"): r.get("type") for r in manifest.iterfind(".//cp:resource", NS)}
    assert {k for i, k in kinds.items() if i.startswith("RES-page-")} == {WEBCONTENT}
    assert {k for i, k in kinds.items() if i.startswith("RES-quiz-")} == {ASSESSMENT}
    assert {k for i, k in kinds.items() if i.startswith("RES-lti-")} == {BASIC_LTI}


def test_the_shipped_schemas_are_the_official_cc_1_1_files():
    for name, data in schema_files().items():
        assert data == shared_file("schemas", "cc11", name).read_bytes(), name


# ------------------------------------------------------------------ the pages


def test_pages_work_without_a_scorm_runtime_and_say_where_the_quiz_is(files, course):
    session = course.session("positive-risk-taking-and-boundaries")
    page = files[f"pages/{session.number:02d}-{session.id}/index.html"].decode()
    assert 'class="question"' not in page  # the knowledge checks are the LMS's quiz
    assert f"“Session {session.number} knowledge check”" in page
    assert "this page is not connected to the learning management system" in page
    assert "The learning management system only records" not in page
    # Moodle imports the page as text without its script: a note that the script removes.
    assert "data-without-script" in page


def test_a_session_with_a_support_notice_has_it_as_a_page_of_its_own(files, course):
    session = course.session("personal-recovery")
    page = files[f"pages/{session.number:02d}-{session.id}/support.html"].decode()
    assert session.support_notice.title in page
    assert "<script" not in page


def test_the_cartridge_refers_to_nothing_outside_it_but_the_tool(cartridge, manifest, files):
    assert [p for p in validate_cartridge(cartridge)] == []
    remote = {
        xml(files[first_file(r)]).findtext("blti:launch_url", namespaces=NS).split("?")[0]
        for r in manifest.iterfind(f".//cp:resource[@type='{BASIC_LTI}']", NS)
    }
    assert remote == {TOOL + "/lti/launch"}


# ------------------------------------------------------------------ the quizzes


def quiz(files, manifest, session) -> etree._Element:
    return xml(files[first_file(resource(manifest, f"RES-quiz-{session.id}"))])


def scored_choices(item: etree._Element) -> list[str]:
    """The responses of the condition that sets the score to 100 (not those under <not>)."""
    for condition in item.iterfind(".//qti:respcondition", NS):
        if condition.findtext("qti:setvar", namespaces=NS) == "100":
            return [
                v.text
                for v in condition.iter(f"{{{QTI_NS}}}varequal")
                if v.getparent().tag != f"{{{QTI_NS}}}not"
            ]
    raise AssertionError("no condition scores the item")


def test_each_quiz_is_valid_against_the_cc_qti_profile(files, manifest, course):
    for session in course.sessions:
        assert validate_qti(quiz(files, manifest, session), session.id) == []


def test_no_question_is_dropped_and_matching_becomes_one_item_per_pair(files, manifest, course):
    for session in course.sessions:
        items = quiz(files, manifest, session).findall(".//qti:item", NS)
        expected = [f"{q.id}-pair-{p.id}" for q in session.questions for p in q.pairs] + [
            q.id for q in session.questions if q.question_type != "matching"
        ]
        assert sorted(i.get("ident") for i in items) == sorted(expected), session.id


def test_each_item_has_its_cc_profile_and_the_contents_correct_answers(files, manifest, course):
    profiles = {
        "single": "cc.multiple_choice.v0p1",
        "multiple": "cc.multiple_response.v0p1",
        "true_false": "cc.true_false.v0p1",
        "matching": "cc.multiple_choice.v0p1",
    }
    for session in course.sessions:
        items = {
            i.get("ident"): i for i in quiz(files, manifest, session).iter(f"{{{QTI_NS}}}item")
        }
        for question in session.questions:
            if question.question_type == "matching":
                for pair in question.pairs:
                    item = items[f"{question.id}-pair-{pair.id}"]
                    assert scored_choices(item) == [pair.response_key]
                    labels = item.findall(".//qti:response_label", NS)
                    assert len(labels) == len(question.pairs)
            else:
                item = items[question.id]
                # true/false choices are named by option id ("true", "false"), others by key
                named = (
                    (lambda o: o.id)
                    if question.question_type == "true_false"
                    else (lambda o: o.key)
                )
                correct = [named(o) for o in question.options if o.correct]
                assert sorted(scored_choices(item)) == sorted(correct)
            profile = item.findtext(
                ".//qti:qtimetadatafield[qti:fieldlabel='cc_profile']/qti:fieldentry",
                namespaces=NS,
            )
            assert profile == profiles[question.question_type], question.id


def test_multiple_response_requires_the_correct_options_and_no_other(files, manifest, course):
    question = next(
        q for s in course.sessions for q in s.questions if q.question_type == "multiple"
    )
    session = next(s for s in course.sessions if question in s.questions)
    item = next(
        i
        for i in quiz(files, manifest, session).iter(f"{{{QTI_NS}}}item")
        if i.get("ident") == question.id
    )
    assert item.find(".//qti:response_lid", NS).get("rcardinality") == "Multiple"
    excluded = [v.text for v in item.iterfind(".//qti:and/qti:not/qti:varequal", NS)]
    assert sorted(excluded) == sorted(o.key for o in question.options if not o.correct)


def test_feedback_comes_from_the_content(files, manifest, course):
    session = course.sessions[0]
    question = session.questions[0]
    item = next(
        i
        for i in quiz(files, manifest, session).iter(f"{{{QTI_NS}}}item")
        if i.get("ident") == question.id
    )
    feedback = {
        f.get("ident"): f.findtext(".//qti:mattext", namespaces=NS)
        for f in item.iterfind("qti:itemfeedback", NS)
    }
    assert question.feedback_correct in feedback["correct_fb"]
    assert question.feedback_wrong in feedback["general_incorrect_fb"]


# ------------------------------------------------------------------ the LTI links


def links(files, manifest) -> dict[str, etree._Element]:
    return {
        r.get("identifier"): xml(files[first_file(r)])
        for r in manifest.iterfind(f".//cp:resource[@type='{BASIC_LTI}']", NS)
    }


def property_of(link: etree._Element, path: str, name: str) -> str | None:
    return link.findtext(f"{path}/lticm:property[@name='{name}']", namespaces=NS)


def test_every_scenario_and_assignment_is_a_valid_lti_link(files, manifest, course):
    found = links(files, manifest)
    expected = {f"RES-lti-scenario-{s.id}" for s in course.scenarios} | {
        f"RES-lti-assignment-{a.id}" for a in course.assignments
    }
    assert set(found) == expected
    for name, link in found.items():
        assert validate_lti_link(link, name) == []


def test_the_activity_travels_in_the_launch_url_query_and_as_a_custom_parameter(
    files, manifest, course
):
    for name, link in links(files, manifest).items():
        key = property_of(link, "blti:custom", "activity")
        url = link.findtext("blti:launch_url", namespaces=NS)
        assert url.startswith(TOOL + "/lti/launch?")
        assert parse_qs(urlsplit(url).query) == {"activity": [key]}, name
        assert "&" not in url  # Moodle's importer escapes '&' in the URL
    assert {
        property_of(link, "blti:custom", "activity") for link in links(files, manifest).values()
    } == {f"scenario:{s.id}" for s in course.scenarios} | {
        f"assignment:{a.id}" for a in course.assignments
    }


def test_graded_activities_carry_their_points_for_canvas(files, manifest, course):
    found = links(files, manifest)
    canvas = "blti:extensions[@platform='canvas.instructure.com']"
    for assignment in course.assignments:
        link = found[f"RES-lti-assignment-{assignment.id}"]
        assert property_of(link, canvas, "outcome") == str(assignment.points_possible)
    for scenario in course.scenarios:
        assert property_of(found[f"RES-lti-scenario-{scenario.id}"], canvas, "outcome") is None


def test_the_canvas_client_id_is_written_when_given(files, manifest):
    canvas = "blti:extensions[@platform='canvas.instructure.com']"
    for link in links(files, manifest).values():
        assert property_of(link, canvas, "client_id") == CLIENT_ID


def test_without_a_canvas_client_id_no_link_names_one(tmp_path):
    content = write_course(tmp_path, SESSION_MD)
    result = build(
        content, tmp_path / "dist", formats=("cc",), cartridge=cartridge_options(TOOL, None)
    )
    files = read(result.packages[0].path)
    (name,) = [n for n in files if n.startswith("lti/")]
    link = xml(files[name])
    assert link.find("blti:extensions", NS) is None  # a scenario: no outcome, no client_id
    assert link.findtext("blti:launch_url", namespaces=NS) == (
        TOOL + "/lti/launch?activity=scenario%3Ajohn-and-the-roofer"
    )


# ------------------------------------------------------------------ the build


def test_builds_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    options = cartridge_options(TOOL, CLIENT_ID)
    first = build(CONTENT, tmp_path / "a", formats=("cc",), cartridge=options).packages[0]
    second = build(CONTENT, tmp_path / "b", formats=("cc",), cartridge=options).packages[0]
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == hashlib.sha256(second.path.read_bytes()).hexdigest()


def test_both_formats_in_one_build(tmp_path):
    result = build(
        CONTENT, tmp_path, formats=("scorm", "cc"), cartridge=cartridge_options(TOOL, None)
    )
    names = sorted(p.path.name for p in result.packages if p.path.parent == tmp_path)
    assert names == ["peer-support-training.imscc", "peer-support-training.zip"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (None, "give the tool's base URL with --tool-url or LTI_TOOL_URL"),
        ("tool.example.edu", "is not an absolute URL"),
        ("http://tool.example.edu", "must use https"),
        ("https://tool.example.edu/?x=1", "without query, fragment or credentials"),
        ("https://tool.example.edu/lti/launch", "the links add /lti/launch"),
    ],
)
def test_a_missing_or_unusable_tool_url_is_refused(url, message):
    with pytest.raises(BuildError, match=message.replace("?", r"\?")):
        cartridge_options(url, None)


def test_a_canvas_client_id_is_the_developer_keys_digits():
    with pytest.raises(BuildError, match="digits only"):
        cartridge_options(TOOL, "my-key")


def test_a_document_that_breaks_its_schema_fails_the_build_and_nothing_is_written(
    tmp_path, monkeypatch
):
    real = qti.build_assessment

    def broken(ident, title, items):
        document = real(ident, title, items)
        document.getroot().find(f"{{{QTI_NS}}}assessment").attrib.pop("title")
        return document

    monkeypatch.setattr(cartridge_packages.qti, "build_assessment", broken)
    with pytest.raises(BuildError, match="breaks the Common Cartridge 1.1 schemas") as raised:
        build(
            write_course(tmp_path, SESSION_MD),
            tmp_path / "dist",
            formats=("scorm", "cc"),
            cartridge=cartridge_options(TOOL, None),
        )
    assert "quizzes/01-what-is-recovery/assessment.xml:" in str(raised.value)
    assert not (tmp_path / "dist").exists()  # not the SCORM packages either


def test_what_the_qti_profile_asks_of_a_question_is_a_warning_with_file_and_line(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write_course(tmp_path, SESSION_MD)
    result = build("content", "dist", formats=("cc",), cartridge=cartridge_options(TOOL, None))
    assert [str(d) for d in result.diagnostics] == [
        "content/sessions/01-what-is-recovery.md:14: warning: question 'recovery-aim' has 2 "
        "options; the Common Cartridge profile wants at least 3 for a single-choice question "
        "(or make it true_false) [cartridge.few-options]"
    ]
    with pytest.raises(AuthoringError):
        build(
            "content",
            "strict",
            formats=("cc",),
            cartridge=cartridge_options(TOOL, None),
            strict=True,
        )
    assert not Path("strict").exists()


# ------------------------------------------------------------------ the command line


def test_the_command_builds_the_cartridge_with_the_tool_url_from_the_environment(tmp_path):
    result = CliRunner().invoke(
        main,
        ["build", str(CONTENT), "-o", str(tmp_path), "--format", "cc"],
        env={"LTI_TOOL_URL": TOOL},
    )
    assert result.exit_code == 0, result.output
    assert (
        f"{tmp_path / 'peer-support-training.imscc'}: 12 modules, 11 quizzes (53 questions), "
        "6 LTI links" in result.output
    )
    checked = CliRunner().invoke(main, ["validate", str(tmp_path / "peer-support-training.imscc")])
    assert checked.exit_code == 0, checked.output
    assert checked.output.strip() == "1 package: 0 errors, 0 warnings"


def test_the_command_refuses_a_cartridge_without_a_tool_url(tmp_path):
    result = CliRunner().invoke(
        main,
        ["build", str(CONTENT), "-o", str(tmp_path / "out"), "--format", "cc"],
        env={"LTI_TOOL_URL": ""},
    )
    assert result.exit_code == 1
    assert "Error: the cartridge links to the LTI tool" in result.output
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ validate


def rewrite(source: Path, target: Path, changes: dict[str, bytes | None]) -> Path:
    """A copy of the cartridge with members replaced (or removed: ``None``)."""
    files = read(source)
    for name, data in changes.items():
        if data is None:
            files.pop(name)
        else:
            files[name] = data
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


def test_validate_reports_a_missing_quiz_file(cartridge, tmp_path):
    broken = rewrite(
        cartridge, tmp_path / "x.imscc", {"quizzes/01-course-introduction/assessment.xml": None}
    )
    problems = [p for p in validate_cartridge(broken) if p.level == "error"]
    assert [p.code for p in problems] == ["manifest.missing-file"]
    assert "quizzes/01-course-introduction/assessment.xml" in problems[0].message


def test_validate_reports_a_link_whose_url_and_custom_parameter_disagree(
    cartridge, files, tmp_path
):
    name = "lti/scenario-scenario-john-roofer.xml"
    data = files[name].replace(
        b"activity=scenario%3Ascenario-john-roofer", b"activity=scenario%3Aother"
    )
    broken = rewrite(cartridge, tmp_path / "x.imscc", {name: data})
    problems = validate_cartridge(broken)
    assert [(p.level, p.code, p.member) for p in problems] == [
        ("error", "lti.activity-mismatch", name)
    ]


def test_validate_reports_a_link_that_breaks_its_schema(cartridge, files, tmp_path):
    name = "lti/assignment-final-assignment.xml"
    data = (
        files[name]
        .replace(b"<blti:title>", b"<blti:titel>")
        .replace(b"</blti:title>", b"</blti:titel>")
    )
    broken = rewrite(cartridge, tmp_path / "x.imscc", {name: data})
    problems = validate_cartridge(broken)
    assert {(p.code, p.member) for p in problems} == {("lti.schema", name)}
    assert problems[0].format("x.imscc").startswith(f"x.imscc:{name}:")


# ------------------------------------------------------------------ as Moodle's importer reads them


def items_of(files, manifest, course):
    for session in course.sessions:
        yield from quiz(files, manifest, session).iter(f"{{{QTI_NS}}}item")


def test_true_false_choices_are_identified_true_and_false(files, manifest, course):
    # Moodle's importer throws on any other identifier (entity11.quiz.class.php).
    for item in items_of(files, manifest, course):
        profile = item.findtext(".//qti:fieldentry", namespaces=NS)
        if profile == "cc.true_false.v0p1":
            idents = [label.get("ident") for label in item.iterfind(".//qti:response_label", NS)]
            assert idents == ["true", "false"], item.get("ident")


def test_the_scoring_condition_comes_first_and_marks_its_choices_case_sensitive(
    files, manifest, course
):
    # Moodle finds a multiple-response item's correct choices by varequal[@case='Yes'].
    for item in items_of(files, manifest, course):
        first = item.find("qti:resprocessing/qti:respcondition", NS)
        assert first.findtext("qti:setvar", namespaces=NS) == "100"
        assert {v.get("case") for v in first.iter(f"{{{QTI_NS}}}varequal")} == {"Yes"}


def test_no_condition_continues_so_no_feedback_becomes_everyones(files, manifest, course):
    # Moodle shows the feedback of every continue="Yes" condition as general feedback.
    for item in items_of(files, manifest, course):
        assert {c.get("continue") for c in item.iterfind(".//qti:respcondition", NS)} == {"No"}


def test_a_wrong_choice_shows_its_own_feedback_then_the_wrong_answer_feedback(
    files, manifest, course
):
    question = next(
        q
        for s in course.sessions
        for q in s.questions
        if q.question_type == "single" and any(o.feedback and not o.correct for o in q.options)
    )
    item = next(i for i in items_of(files, manifest, course) if i.get("ident") == question.id)
    wrong = next(o for o in question.options if o.feedback and not o.correct)
    (condition,) = [
        c
        for c in item.iterfind("qti:resprocessing/qti:respcondition", NS)
        if c.findtext("qti:conditionvar/qti:varequal", namespaces=NS) == wrong.key
    ]
    assert [d.get("linkrefid") for d in condition.iterfind("qti:displayfeedback", NS)] == [
        f"{wrong.key}_fb",
        "general_incorrect_fb",
    ]
