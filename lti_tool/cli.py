"""``lti-tool``: run the tool, migrate its database, register platforms, manage keys.

Each command parses its arguments and calls a library function; domain errors
become ``click.ClickException`` (``Error: …``, exit 1), never a traceback.
"""

from __future__ import annotations

import functools
from datetime import timedelta

import click
from flask import Flask

from . import create_app, db
from .config import ConfigError
from .keys import KeyStore, KeyStoreError
from .registrations import (
    RegistrationError,
    all_platforms,
    allow_frame_origin,
    create_registration_token,
    find_platform,
    register_platform,
)


def with_app(command):
    """Build the app from the environment and run ``command(app, ...)`` in its context."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            app = create_app()
        except ConfigError as error:
            raise click.ClickException(str(error)) from error
        with app.app_context():
            return command(app, *args, **kwargs)

    return wrapper


@click.group()
def main() -> None:
    """The Peer Support Training LTI 1.3 tool."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--debug/--no-debug", default=False, help="Flask's reloader and debugger (never in production)."
)
@with_app
def serve(app: Flask, host: str, port: int, debug: bool) -> None:
    """Run the development server (production: gunicorn "lti_tool:create_app()")."""
    app.run(host=host, port=port, debug=debug)


@main.group("db")
def db_group() -> None:
    """The tool's database."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_app
def db_upgrade(app: Flask, revision: str) -> None:
    """Apply the migrations (the only way the schema is created), then make a key if none."""
    db.upgrade(db.engine(), revision)
    KeyStore(db.get_session()).signing_key()
    click.echo(f"Database at {revision}.")


@main.command("register-url")
@click.option(
    "--hours", default=24, show_default=True, type=int, help="How long the URL stays valid."
)
@with_app
def register_url(app: Flask, hours: int) -> None:
    """Print a one-time URL that an LMS administrator pastes for Dynamic Registration."""
    base = app.config["LTI_TOOL_URL"]
    if not base:
        raise click.ClickException("set LTI_TOOL_URL to the tool's public base URL first")
    session = db.get_session()
    token = create_registration_token(session, timedelta(hours=hours))
    session.commit()
    click.echo(f"{base}/lti/register?token={token}")


@main.group()
def keys() -> None:
    """The tool's signing keys (published at /lti/jwks.json)."""


@keys.command("list")
@with_app
def keys_list(app: Flask) -> None:
    """Show every key: kid, created, retired."""
    for key in KeyStore(db.get_session()).all():
        state = f"retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else "active"
        click.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M}  {state}")


@keys.command("rotate")
@with_app
def keys_rotate(app: Flask) -> None:
    """Make a new signing key; the old ones stay published until retired."""
    key = KeyStore(db.get_session()).rotate()
    click.echo(f"New signing key {key.kid}. Retire the old one once platforms have refetched.")


# A kid is a base64url thumbprint and may begin with "-": taken as the argument, not an option.
@keys.command("retire", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
@with_app
def keys_retire(app: Flask, kid: str) -> None:
    """Stop publishing the key KID and delete its private half."""
    try:
        KeyStore(db.get_session()).retire(kid)
    except KeyStoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Retired {kid}; its private key is deleted.")


@keys.command("reencrypt")
@with_app
def keys_reencrypt(app: Flask) -> None:
    """Seal every private key with the first key of LTI_KEY_ENCRYPTION_KEYS (rotation)."""
    try:
        count = KeyStore(db.get_session()).reencrypt()
    except KeyStoreError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Re-encrypted {count} private key(s) with the first encryption key.")


@main.group()
def platform() -> None:
    """Platform registrations made by hand (Moodle's manual configuration, Canvas keys)."""


@platform.command("add")
@click.option(
    "--issuer", required=True, help="Moodle: 'Platform ID'. Canvas: https://canvas.instructure.com"
)
@click.option("--client-id", required=True)
@click.option("--auth-login-url", required=True, help="Moodle: 'Authentication request URL'.")
@click.option("--auth-token-url", required=True, help="Moodle: 'Access token URL'.")
@click.option("--key-set-url", required=True, help="Moodle: 'Public keyset URL'.")
@click.option("--auth-audience", default=None)
@click.option("--deployment-id", "deployment_ids", multiple=True, help="Repeat for several.")
@click.option(
    "--frame-origin",
    "frame_origins",
    multiple=True,
    help="Origin that frames the tool, e.g. https://school.instructure.com.",
)
@click.option("--name", default="")
@with_app
def platform_add(app: Flask, **options) -> None:
    """Add or update a registration and its deployments."""
    session = db.get_session()
    try:
        found = register_platform(
            session, **options, require_https=not app.config["LTI_ALLOW_INSECURE"]
        )
    except RegistrationError as error:
        raise click.ClickException(str(error)) from error
    session.commit()
    deployments = ", ".join(d.deployment_id for d in found.deployments) or "none"
    click.echo(f"Registered {found.issuer} (client {found.client_id}); deployments: {deployments}.")


@platform.command("allow-origin")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.argument("origin")
@with_app
def platform_allow_origin(app: Flask, issuer: str, client_id: str, origin: str) -> None:
    """Let ORIGIN (e.g. https://school.instructure.com) frame the tool for one platform."""
    session = db.get_session()
    found = find_platform(session, issuer, client_id)
    if found is None:
        raise click.ClickException(f"no registration for {issuer} with client id {client_id}")
    try:
        allow_frame_origin(found, origin)
    except RegistrationError as error:
        raise click.ClickException(str(error)) from error
    session.commit()
    click.echo(f"{origin} may now frame the tool for {issuer} (client {client_id}).")


@platform.command("list")
@with_app
def platform_list(app: Flask) -> None:
    """Show the registrations."""
    for found in all_platforms(db.get_session()):
        deployments = ", ".join(d.deployment_id for d in found.deployments) or "none"
        click.echo(f"{found.issuer}  client {found.client_id}  deployments {deployments}")


@main.command()
@click.option("--threads", default=2, show_default=True, type=int, help="Delivery threads.")
@with_app
def worker(app: Flask, threads: int) -> None:
    """Deliver grades to the LMS (the job queue's consumer; stop with Ctrl-C or SIGTERM)."""
    from .grades.jobs import run_worker

    run_worker(app, threads)


@main.group()
def privacy() -> None:
    """One person's data in the tool: export it, or erase it."""


person_options = [
    click.option("--issuer", required=True, help="The platform's issuer, as in 'platform list'."),
    click.option("--sub", required=True, help="The person's LTI user id (sub) on that platform."),
]


def with_person(command):
    for option in reversed(person_options):
        command = option(command)
    return command


@privacy.command("export")
@with_person
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True), help="File (default: stdout)."
)
@with_app
def privacy_export(app: Flask, issuer: str, sub: str, output: str | None) -> None:
    """Everything the tool stores about one person, as JSON."""
    import json

    from . import privacy as person_data

    session = db.get_session()
    try:
        user = person_data.find_person(session, issuer, sub)
    except person_data.PersonNotFound as error:
        raise click.ClickException(str(error)) from error
    text = json.dumps(person_data.export(app, session, user), indent=2, ensure_ascii=False)
    if output:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        click.echo(f"Wrote {output}.")
    else:
        click.echo(text)


@privacy.command("erase")
@with_person
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_app
def privacy_erase(app: Flask, issuer: str, sub: str, yes: bool) -> None:
    """Erase one person's data (their words, drafts, reports, grades kept here, name)."""
    from . import privacy as person_data

    session = db.get_session()
    try:
        user = person_data.find_person(session, issuer, sub)
    except person_data.PersonNotFound as error:
        raise click.ClickException(str(error)) from error
    if not yes:
        click.confirm(f"Erase everything the tool stores about {sub} from {issuer}?", abort=True)
    removed = person_data.erase(app, session, user)
    session.commit()
    for part, counts in removed.items():
        summary = ", ".join(f"{count} {what}" for what, count in counts.items()) or "nothing"
        click.echo(f"{part}: {summary}")
