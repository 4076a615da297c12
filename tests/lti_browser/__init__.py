"""The tool in headless Chromium, framed cross-site by the test platform's activity page."""
