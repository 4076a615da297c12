"""The rules of a scenario discussion, tested without HTTP (``DiscussionService``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from lti_tool import db
from lti_tool.discussions.models import (
    DELETED,
    FROM_DATE,
    HIDDEN,
    SAFEGUARDING,
    WHEN_RELEASED,
    Discussion,
    Post,
    Revision,
)
from lti_tool.discussions.service import (
    DiscussionService,
    NotFound,
    Refused,
    Viewer,
)
from lti_tool.models import Context, Deployment, Membership, Platform, ResourceLink, User

START = datetime(2026, 11, 30, 9, 0)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class World:
    """A platform with a course, a link, and people, straight in the database."""

    def __init__(self, session) -> None:
        self.session = session
        self.clock = Clock()
        self.service = DiscussionService(session, self.clock)
        platform = Platform(
            issuer="https://lms.example",
            client_id="c",
            auth_login_url="https://lms.example/auth",
            auth_token_url="https://lms.example/token",
            key_set_url="https://lms.example/jwks",
        )
        session.add(platform)
        session.flush()
        self.deployment = Deployment(platform_id=platform.id, deployment_id="d")
        session.add(self.deployment)
        session.flush()
        self.course = self.context("course-1")
        self.link = self.resource_link(self.course, "link-1")
        self.discussion = self.service.open(self.link, "scenario-john-roofer")

    def context(self, context_id: str) -> Context:
        context = Context(deployment_id=self.deployment.id, context_id=context_id)
        self.session.add(context)
        self.session.flush()
        return context

    def resource_link(self, context: Context, link_id: str) -> ResourceLink:
        link = ResourceLink(
            deployment_id=self.deployment.id, context_pk=context.id, resource_link_id=link_id
        )
        self.session.add(link)
        self.session.flush()
        return link

    def person(self, name: str, role: str = "learner", context: Context | None = None) -> Viewer:
        user = User(issuer="https://lms.example", sub=name.lower(), name=name)
        self.session.add(user)
        self.session.flush()
        self.session.add(
            Membership(user_id=user.id, context_pk=(context or self.course).id, role=role)
        )
        self.session.flush()
        return Viewer(user_pk=user.id, staff=role != "learner")

    def post(self, viewer: Viewer, text: str, parent: int | None = None, discussion=None) -> int:
        post = self.service.post(discussion or self.discussion, viewer, text, parent_pk=parent)
        self.session.commit()
        return post.id

    def page(self, viewer: Viewer, discussion=None):
        return self.service.page(discussion or self.discussion, viewer)


@pytest.fixture
def world(app):
    with app.app_context():
        yield World(db.get_session())


def texts(page) -> list[str]:
    found = []

    def walk(views):
        for view in views:
            found.append(str(view.body) if view.body is not None else f"<{view.state}>")
            walk(view.replies)

    walk(page.threads)
    return found


# ---------------------------------------------------------------- which discussion


def test_a_link_and_scenario_open_the_same_discussion_every_time(world):
    again = world.service.open(world.link, "scenario-john-roofer")

    assert again.id == world.discussion.id


def test_the_same_scenario_at_another_link_or_course_is_another_discussion(world):
    second_link = world.resource_link(world.course, "link-2")
    other_course_link = world.resource_link(world.context("course-2"), "link-1b")

    ids = {
        world.discussion.id,
        world.service.open(second_link, "scenario-john-roofer").id,
        world.service.open(other_course_link, "scenario-john-roofer").id,
        world.service.open(world.link, "scenario-bob-loan").id,
    }

    assert len(ids) == 4


def test_a_new_discussion_has_the_safe_defaults(world):
    d = world.discussion

    assert (d.post_first, d.anonymous, d.edit_window_minutes, d.locked) == (True, False, 30, False)
    assert d.commentary_reveal == "after_posting"
    assert d.grading == "ungraded"


# ---------------------------------------------------------------- post first


def test_post_first_a_learner_sees_only_how_many_have_posted_until_they_post(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    world.post(sam, "Sam's thoughts")

    before = world.page(lee)
    assert (before.can_read, before.posters, before.threads) == (False, 1, [])
    assert not before.commentary_visible

    world.post(lee, "Lee's thoughts")
    after = world.page(lee)
    assert after.can_read and after.commentary_visible
    assert sorted(texts(after)) == ["<p>Lee's thoughts</p>\n", "<p>Sam's thoughts</p>\n"]


def test_before_posting_no_action_reaches_anothers_post(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    sams = world.post(sam, "Sam's thoughts")

    for attempt in (
        lambda: world.service.post(world.discussion, lee, "reply", parent_pk=sams),
        lambda: world.service.report(world.discussion, lee, sams, SAFEGUARDING),
        lambda: world.service.edit(world.discussion, lee, sams, "mine now"),
        lambda: world.service.delete(world.discussion, lee, sams),
    ):
        with pytest.raises(NotFound):
            attempt()


def test_instructors_read_everything_without_posting(world):
    ina, sam = world.person("Ina", "instructor"), world.person("Sam")
    world.post(sam, "Sam's thoughts")

    page = world.page(ina)

    assert page.can_read and page.commentary_visible
    assert texts(page) == ["<p>Sam's thoughts</p>\n"]


def test_with_post_first_off_learners_read_at_once(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    world.discussion.post_first = False
    world.post(sam, "Sam's thoughts")

    assert texts(world.page(lee)) == ["<p>Sam's thoughts</p>\n"]


def test_a_learner_who_posted_then_deleted_still_reads(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    world.post(sam, "Sam's thoughts")
    mine = world.post(lee, "Lee's thoughts")
    world.service.delete(world.discussion, lee, mine)

    page = world.page(lee)

    assert page.can_read
    assert page.posters == 1  # a deleted post does not count as having posted


# ---------------------------------------------------------------- anonymity


def test_anonymous_peers_see_stable_pseudonyms_and_instructors_see_names(world):
    world.discussion.anonymous = True
    world.discussion.post_first = False
    lee, sam, kim = world.person("Lee"), world.person("Sam"), world.person("Kim")
    ina = world.person("Ina", "instructor")
    first = world.post(sam, "one")
    world.post(kim, "two")
    world.post(sam, "three", parent=first)

    authors = {v.body.striptags(): v.author for v in _flat(world.page(lee))}
    assert authors == {"one": "Participant 1", "two": "Participant 2", "three": "Participant 1"}
    named = {v.body.striptags(): v.author for v in _flat(world.page(ina))}
    assert named == {
        "one": "Sam (Participant 1)",
        "two": "Kim (Participant 2)",
        "three": "Sam (Participant 1)",
    }
    assert {v.body.striptags(): v.author for v in _flat(world.page(sam))}["one"] == "You"


def test_instructors_posts_are_never_anonymous(world):
    world.discussion.anonymous = True
    world.discussion.post_first = False
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    world.post(ina, "welcome")

    (view,) = _flat(world.page(lee))

    assert view.author == "Ina (instructor)"


def _flat(page):
    out = []

    def walk(views):
        for view in views:
            out.append(view)
            walk(view.replies)

    walk(page.threads)
    return out


# ---------------------------------------------------------------- threads


def test_replies_nest_to_a_readable_depth_and_threads_follow_the_newest_activity(world):
    world.discussion.post_first = False
    lee, sam = world.person("Lee"), world.person("Sam")
    old = world.post(lee, "old thread")
    world.clock.advance(minutes=1)
    world.post(sam, "newer thread")
    world.clock.advance(minutes=1)
    parent = old
    for depth in range(1, 5):
        parent = world.post(sam, f"reply {depth}", parent=parent)

    page = world.page(lee)

    assert [t.body.striptags() for t in page.threads] == ["old thread", "newer thread"]
    assert max(v.depth for v in _flat(page)) == 2
    assert [v.body.striptags() for v in _flat(page)][:5] == [
        "old thread",
        "reply 1",
        "reply 2",
        "reply 3",
        "reply 4",
    ]


def test_posts_since_the_last_visit_are_marked_new(world):
    world.discussion.post_first = False
    lee, sam = world.person("Lee"), world.person("Sam")
    world.post(sam, "before")
    world.page(lee)
    world.clock.advance(minutes=15)
    world.post(sam, "after")
    world.clock.advance(minutes=1)

    marks = {v.body.striptags(): v.new for v in _flat(world.page(lee))}

    assert marks == {"before": False, "after": True}


def test_views_within_ten_minutes_are_one_visit_and_keep_the_new_marks(world):
    world.discussion.post_first = False
    lee, sam = world.person("Lee"), world.person("Sam")
    world.page(lee)
    world.clock.advance(minutes=15)
    world.post(sam, "while Lee was away")
    world.page(lee)  # a new visit: the post is new
    world.clock.advance(minutes=5)

    (again,) = _flat(world.page(lee))  # the same visit, five minutes on

    assert again.new


def test_a_pinned_thread_comes_first(world):
    world.discussion.post_first = False
    ina, sam = world.person("Ina", "instructor"), world.person("Sam")
    first = world.post(sam, "first")
    world.clock.advance(minutes=1)
    world.post(sam, "second")
    world.service.pin(world.discussion, ina, first, True)

    assert [t.body.striptags() for t in world.page(ina).threads] == ["first", "second"]


# ---------------------------------------------------------------- writing


def test_text_is_checked_against_the_limit_and_must_not_be_empty(world):
    lee = world.person("Lee")
    world.discussion.max_length = 10

    with pytest.raises(Refused, match="limit is 10"):
        world.service.post(world.discussion, lee, "x" * 11)
    with pytest.raises(Refused, match="Write something"):
        world.service.post(world.discussion, lee, "   \n ")


def test_edits_within_the_window_keep_the_history_for_instructors(world):
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    mine = world.post(lee, "first words")
    world.clock.advance(minutes=29)

    world.service.edit(world.discussion, lee, mine, "better words")

    assert [r.body for r in world.service.history(world.discussion, ina, mine)] == ["first words"]
    assert texts(world.page(lee)) == ["<p>better words</p>\n"]
    with pytest.raises(NotFound):
        world.service.history(world.discussion, lee, mine)


def test_no_edit_after_the_window_or_of_anothers_post(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    mine = world.post(lee, "words")
    sams = world.post(sam, "sam")
    world.clock.advance(minutes=30)

    with pytest.raises(Refused, match="30 minutes"):
        world.service.edit(world.discussion, lee, mine, "late")
    with pytest.raises(NotFound):
        world.service.edit(world.discussion, lee, sams, "not mine")


def test_deleting_removes_the_text_and_its_history_and_leaves_a_marker(world):
    world.discussion.post_first = False
    lee, sam = world.person("Lee"), world.person("Sam")
    mine = world.post(lee, "first")
    world.service.edit(world.discussion, lee, mine, "second")
    world.post(sam, "a reply", parent=mine)

    world.service.delete(world.discussion, lee, mine)
    world.session.commit()

    stored = world.session.get(Post, mine)
    assert (stored.body, stored.state) == (None, DELETED)
    assert world.session.scalars(select(Revision)).all() == []
    page = world.page(sam)
    assert texts(page) == ["<deleted>", "<p>a reply</p>\n"]


def test_a_locked_discussion_takes_no_posts_or_edits(world):
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    mine = world.post(lee, "words")
    world.service.lock(world.discussion, ina, True)

    with pytest.raises(Refused, match="locked"):
        world.service.post(world.discussion, lee, "more")
    with pytest.raises(Refused, match="locked"):
        world.service.edit(world.discussion, lee, mine, "changed")


def test_a_draft_is_kept_per_person_until_they_post(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    world.service.save_draft(world.discussion, lee, "half a thought")

    assert world.page(lee).draft == "half a thought"
    assert world.page(sam).draft == ""
    world.post(lee, "the whole thought")
    assert world.page(lee).draft == ""


# ---------------------------------------------------------------- reports and moderation


def test_reports_reach_instructors_safeguarding_first_and_never_peers(world):
    world.discussion.post_first = False
    lee, sam, kim = world.person("Lee"), world.person("Sam"), world.person("Kim")
    ina = world.person("Ina", "instructor")
    sams = world.post(sam, "I feel low")
    world.service.report(world.discussion, kim, sams, "disrespectful")
    world.clock.advance(minutes=1)
    world.service.report(world.discussion, lee, sams, SAFEGUARDING, "worried about Sam")
    world.clock.advance(minutes=1)
    world.service.report(world.discussion, kim, sams, "other")

    reports = world.service.reports(world.discussion, ina)

    assert [r.reason for r in reports] == [SAFEGUARDING, "other", "disrespectful"]
    assert reports[0].reporter == "Lee" and reports[0].author == "Sam"
    (view,) = _flat(world.page(ina))
    assert (view.open_reports, view.safeguarding) == (3, True)
    (peer_view,) = _flat(world.page(sam))
    assert (peer_view.open_reports, peer_view.safeguarding) == (0, False)
    with pytest.raises(NotFound):
        world.service.reports(world.discussion, lee)

    world.service.handle_report(world.discussion, ina, reports[0].id)
    assert world.page(ina).open_safeguarding == 0


def test_the_same_report_twice_is_refused_until_it_is_handled(world):
    world.discussion.post_first = False
    kim, sam = world.person("Kim"), world.person("Sam")
    ina = world.person("Ina", "instructor")
    sams = world.post(sam, "something unkind")
    world.service.report(world.discussion, kim, sams, "disrespectful")

    with pytest.raises(Refused, match="already reported"):
        world.service.report(world.discussion, kim, sams, "disrespectful")
    world.service.report(world.discussion, kim, sams, SAFEGUARDING)  # something more to say
    (first, _) = sorted(world.service.reports(world.discussion, ina), key=lambda r: r.id)
    world.service.handle_report(world.discussion, ina, first.id)
    world.service.report(world.discussion, kim, sams, "disrespectful")  # again, later

    assert len(world.service.reports(world.discussion, ina)) == 3


def test_a_hidden_post_shows_its_author_why_and_peers_nothing(world):
    world.discussion.post_first = False
    lee, sam = world.person("Lee"), world.person("Sam")
    ina = world.person("Ina", "instructor")
    sams = world.post(sam, "something unkind")

    world.service.hide(world.discussion, ina, sams, "Please keep it kind.")

    (own,) = _flat(world.page(sam))
    assert (own.state, own.hidden_reason, own.body.striptags()) == (
        HIDDEN,
        "Please keep it kind.",
        "something unkind",
    )
    (peer,) = _flat(world.page(lee))
    assert (peer.state, peer.hidden_reason, peer.body) == (HIDDEN, None, None)
    world.service.restore(world.discussion, ina, sams)
    assert _flat(world.page(lee))[0].body.striptags() == "something unkind"


def test_learners_cannot_moderate(world):
    lee, sam = world.person("Lee"), world.person("Sam")
    sams = world.post(sam, "words")
    world.post(lee, "mine")

    for attempt in (
        lambda: world.service.hide(world.discussion, lee, sams, "no"),
        lambda: world.service.pin(world.discussion, lee, sams, True),
        lambda: world.service.lock(world.discussion, lee, True),
        lambda: world.service.release_commentary(world.discussion, lee, True),
    ):
        with pytest.raises(NotFound):
            attempt()


# ---------------------------------------------------------------- commentary


def test_the_commentary_shows_when_released_or_from_its_date(world):
    lee, ina = world.person("Lee"), world.person("Ina", "instructor")
    world.discussion.commentary_reveal = WHEN_RELEASED
    world.post(lee, "mine")
    assert not world.page(lee).commentary_visible

    world.service.release_commentary(world.discussion, ina, True)
    assert world.page(lee).commentary_visible

    world.service.release_commentary(world.discussion, ina, False)
    world.discussion.commentary_reveal = FROM_DATE
    world.discussion.commentary_from = START + timedelta(days=1)
    assert not world.page(lee).commentary_visible
    world.clock.advance(days=1)
    assert world.page(lee).commentary_visible


# ---------------------------------------------------------------- isolation and cost


def test_a_post_id_of_another_discussion_is_not_found(world):
    world.discussion.post_first = False
    lee, sam = world.person("Lee"), world.person("Sam")
    other = world.service.open(world.resource_link(world.course, "link-2"), "scenario-bob-loan")
    elsewhere = world.post(sam, "elsewhere", discussion=other)

    with pytest.raises(NotFound):
        world.service.post(world.discussion, lee, "reply", parent_pk=elsewhere)
    with pytest.raises(NotFound):
        world.service.delete(world.discussion, sam, elsewhere)


def test_reading_10_or_200_posts_costs_the_same_number_of_statements(app, world):
    ina = world.person("Ina", "instructor")
    people = [world.person(f"P{n}") for n in range(10)]
    reporter = world.person("Reporter")

    def statements(total: int) -> int:
        discussion = world.service.open(world.link, f"scenario-{total}")
        discussion.anonymous = True
        root = None
        for n in range(total):
            post = world.service.post(discussion, people[n % 10], f"post {n}", parent_pk=root)
            root = post.id if n % 10 == 9 else root  # threads once everyone has posted
        world.service.post(discussion, reporter, "mine")
        world.session.commit()
        for post_id in world.session.scalars(
            select(Post.id).where(Post.discussion_id == discussion.id).limit(3)
        ):
            world.service.report(discussion, reporter, post_id, "other")
        world.session.commit()
        world.session.expire_all()
        counted = []
        engine = db.engine()
        listener = lambda *args: counted.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            fresh = world.session.get(Discussion, discussion.id)
            world.service.page(fresh, ina)
            world.service.page(fresh, people[1])
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(counted)

    assert statements(10) == statements(200)


def test_the_whole_page_costs_the_same_statements_for_10_or_200_posts(app, world):
    """The view's part too: finding the discussion, the page, the template."""
    from flask import g

    from lti_tool.discussions import views
    from lti_tool.security import LaunchIdentity

    people = [world.person(f"P{n}") for n in range(10)]
    ina = world.person("Ina", "instructor")
    link_two = world.resource_link(world.course, "link-2")
    links = {10: world.link, 200: link_two}

    def statements(total: int) -> int:
        discussion = world.service.open(links[total], "scenario-john-roofer")
        for n in range(total):
            world.service.post(discussion, people[n % 10], f"post *{n}*")
        world.session.commit()
        identity = LaunchIdentity(
            launch_id="l",
            platform_pk=world.deployment.platform_id,
            deployment_pk=world.deployment.id,
            user_pk=ina.user_pk,
            context_pk=world.course.id,
            resource_link_pk=links[total].id,
            role=2,
            message_type="LtiResourceLinkRequest",
        )
        counted = []
        listener = lambda *args: counted.append(1)  # noqa: E731
        with app.test_request_context(method="POST"):
            g.launch, g.lti_token = identity, "token"
            event.listen(db.engine(), "before_cursor_execute", listener)
            try:
                body, status = views._page(views.own_discussion(discussion.id))
            finally:
                event.remove(db.engine(), "before_cursor_execute", listener)
        assert status == 200 and body.count('class="post') >= total
        return len(counted)

    assert statements(10) == statements(200)
