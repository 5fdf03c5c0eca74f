"""The labs' preflight in a test: fail, never skip, naming what is missing and the fix."""
import pytest


def require_lab(missing):
    """Fail the test when missing (a lab's missing_tools() answer) names something."""
    if missing:
        pytest.fail('the lab cannot run: %s; run `make setup-test` as root' % missing)
