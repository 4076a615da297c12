pytest_plugins = ["tests.lti_platform.fixtures"]


def pytest_sessionfinish(session, exitstatus):
    from tests.browser import stop_playwright

    stop_playwright()
