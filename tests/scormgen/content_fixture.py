"""A small valid course written into a temporary folder, for loader and build tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

SEED = (
    "What is Recovery?\n"
    "The aim of this session is to explore the development of the recovery approach in "
    "mental health and to examine key concepts in recovery and a range of factors that "
    "support recovery.\n"
    "Scenario 1\n"
    "John is a peer supporter. He knows that one of the people he supports is an "
    "experienced roofer.\n"
)

COURSE_YML = """\
id: mini-course
title: Mini Course
source: source/seed.txt
"""

#: The mini course as a release needs it: support contacts of both kinds, no review marker.
RELEASE_COURSE_YML = """\
id: mini-course
title: Mini Course
source: source/seed.txt
support_notice:
  contacts:
    - name: Student wellbeing service
      details: Room 1.12, weekdays 9:00-17:00
  crisis_contacts:
    - name: Out-of-hours line
      details: The number the institution names
"""

SESSION_MD = """\
---
id: what-is-recovery
title: What is Recovery?
aim: >-
  The aim of this session is to explore the development of the recovery approach in
  mental health and to examine key concepts in recovery and a range of factors that
  support recovery.
objectives:
  - Explore the development of the recovery approach.
---

Some prose about recovery.

```question
id: recovery-aim
type: single
prompt: What does this session explore?
options:
  a: The development of the recovery approach in mental health
  b: The history of peer support organisations
correct: a
source: The aim of this session is to explore the development of the recovery approach
```

```reflection
id: recovery-thoughts
prompt: What does recovery mean to you?
```

```scenario
id: john-and-the-roofer
title: "Scenario 1: John and the roofer"
situation: John is a peer supporter.
commentary: There are issues around dual relationships.
prompts:
  - Why might boundaries become blurred?
```
"""


def write_course(
    root: Path,
    session: str = SESSION_MD,
    course: str = COURSE_YML,
    extra: dict[str, str] | None = None,
) -> Path:
    """Write the mini course under ``root/content`` and return that folder."""
    content = root / "content"
    (content / "source").mkdir(parents=True)
    (content / "sessions").mkdir()
    (content / "source" / "seed.txt").write_text(SEED, encoding="utf-8")
    (content / "course.yml").write_text(course, encoding="utf-8")
    (content / "sessions" / "01-what-is-recovery.md").write_text(session, encoding="utf-8")
    for name, text in (extra or {}).items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return content
