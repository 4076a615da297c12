pytest_plugins = ["tests.lti_platform.fixtures"]
