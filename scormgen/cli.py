"""The ``scormgen`` command: each subcommand parses its arguments and calls the library."""

from __future__ import annotations

import click

from scormgen.diagnostics import AuthoringError, Diagnostics

content_argument = click.argument(
    "content_dir",
    default="content",
    type=click.Path(exists=True, file_okay=False, dir_okay=True),
)
strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")


class ContentError(click.ClickException):
    """Authoring mistakes: printed as ``file:line: ...`` lines, exit status 1, no traceback."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics
        count = len(diagnostics.errors)
        super().__init__(
            f"{count} error{'s' if count != 1 else ''} in the content; nothing written"
        )

    def show(self, file=None) -> None:
        for diagnostic in self.diagnostics:
            click.echo(str(diagnostic), err=True)
        super().show(file)


def report(diagnostics: Diagnostics) -> None:
    """Print warnings of a run that goes on."""
    for diagnostic in diagnostics:
        click.echo(str(diagnostic), err=True)


@click.group()
@click.version_option(package_name="peer-support-course")
def main() -> None:
    """Compile the course in content/ into SCORM 1.2 packages."""


@main.command()
@content_argument
@strict_option
def check(content_dir: str, strict: bool) -> None:
    """Load and check CONTENT_DIR (default: content) without writing anything."""
    from scormgen.loader import check_content

    course, diagnostics = check_content(content_dir)
    if course is None or diagnostics.has_errors(strict):
        raise ContentError(diagnostics)
    report(diagnostics)
    questions = sum(len(s.questions) for s in course.sessions)
    click.echo(
        f"{course.title}: {len(course.sessions)} sessions, {questions} questions, "
        f"{len(course.scenarios)} scenarios, {len(course.assignments)} assignments: OK"
    )


def load_or_fail(content_dir: str, strict: bool):
    """The course model, or a ``ContentError`` listing every authoring mistake."""
    from scormgen.loader import load_course

    try:
        return load_course(content_dir, strict=strict)
    except AuthoringError as error:
        raise ContentError(error.diagnostics) from None
