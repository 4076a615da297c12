"""``lti-tool``: commands call library functions; mistakes are 'Error: …', not tracebacks."""

from __future__ import annotations

from lti_tool.cli import main


def test_platform_add_registers_a_platform_and_its_deployments(runner):
    result = runner.invoke(
        [
            "platform",
            "add",
            "--issuer",
            "https://moodle.example.edu",
            "--client-id",
            "abc",
            "--auth-login-url",
            "https://moodle.example.edu/mod/lti/auth.php",
            "--auth-token-url",
            "https://moodle.example.edu/mod/lti/token.php",
            "--key-set-url",
            "https://moodle.example.edu/mod/lti/certs.php",
            "--deployment-id",
            "1",
            "--deployment-id",
            "2",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "deployments: 1, 2" in result.output
    listed = runner.invoke(["platform", "list"]).output
    assert "https://moodle.example.edu  client abc  deployments 1, 2" in listed


def test_platform_add_with_a_bad_url_is_an_error_message(runner):
    result = runner.invoke(
        ["platform", "add", "--issuer", "i", "--client-id", "c", "--auth-login-url", "nope"]
        + ["--auth-token-url", "https://t.example", "--key-set-url", "https://k.example"]
    )

    assert result.exit_code == 1
    assert "Error: auth_login_url must be an absolute http(s) URL" in result.output


def test_register_url_needs_the_public_tool_url(runner):
    result = runner.invoke(["register-url"])

    assert result.exit_code == 1
    assert "LTI_TOOL_URL" in result.output


def test_a_missing_secret_in_production_is_an_error_message(runner):
    result = runner.invoke(["keys", "list"], LTI_TOOL_ENV="production", SECRET_KEY="")

    assert result.exit_code == 1
    assert "Error: SECRET_KEY must be set" in result.output


def test_every_command_documents_itself(runner):
    for args in (["--help"], ["serve", "--help"], ["db", "upgrade", "--help"], ["keys", "--help"]):
        result = runner.invoke(args)
        assert result.exit_code == 0
        assert "Usage: " in result.output
    assert main.name == "main"
