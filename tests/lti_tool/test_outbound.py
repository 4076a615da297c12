"""Requests the tool makes to platforms cannot be turned against the network it runs in."""

from __future__ import annotations

import ipaddress

import pytest
from flask import Flask, redirect

from lti_tool.lti.outbound import GuardedSession, OutboundError, address_allowed

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]


@pytest.fixture
def internal_site(serve_wsgi):
    """A site on loopback, as an internal service next to the tool would be."""
    site = Flask("internal")

    @site.get("/page")
    def page():
        return "INTERNAL-SECRET-PAGE"

    @site.get("/redirect")
    def moved():
        return redirect("/page")

    @site.get("/big")
    def big():
        return "x" * 2_000_000

    return serve_wsgi(site, host_name="127.0.0.1")


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:4700::6810:84e5", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
    ],
)
def test_only_public_addresses_are_allowed_by_default(address, allowed):
    assert address_allowed(address, []) is allowed


def test_an_allowed_network_lets_an_on_premises_lms_through():
    campus = [ipaddress.ip_network("10.20.0.0/16")]

    assert address_allowed("10.20.5.6", campus) is True
    assert address_allowed("10.21.5.6", campus) is False


def test_a_loopback_address_is_refused_when_it_is_not_allowed(internal_site):
    with pytest.raises(OutboundError, match="not a public address"):
        GuardedSession([]).get(internal_site.url + "/page")


def test_a_name_that_resolves_to_loopback_is_refused_too(internal_site):
    port = internal_site.url.rsplit(":", 1)[1]

    with pytest.raises(OutboundError, match="not a public address"):
        GuardedSession([]).get(f"http://localhost:{port}/page")


def test_an_allowed_network_is_reached(internal_site):
    response = GuardedSession(LOOPBACK).get(internal_site.url + "/page")

    assert response.text == "INTERNAL-SECRET-PAGE"


def test_redirects_are_never_followed(internal_site):
    with pytest.raises(OutboundError, match="redirect"):
        GuardedSession(LOOPBACK).get(internal_site.url + "/redirect")


def test_an_answer_over_the_size_cap_is_refused(internal_site):
    with pytest.raises(OutboundError, match="bytes"):
        GuardedSession(LOOPBACK).get(internal_site.url + "/big")


def test_proxies_from_the_environment_are_ignored(internal_site, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there

    response = GuardedSession(LOOPBACK).get(internal_site.url + "/page")

    assert response.status_code == 200
