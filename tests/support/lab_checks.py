"""The labs' preflight in a test (fail, never skip, naming what is missing and the fix), and a lab service as a fixture."""
import pytest


def require_lab(missing):
    """Fail the test when missing (a lab's missing_tools() answer) names something."""
    if missing:
        pytest.fail('the lab cannot run: %s; run `make setup-test` as root' % missing)


def running(missing, service, *args, **kwargs):
    """For a fixture (`yield from running(...)`): after require_lab(missing), service(*args, **kwargs) started
    (a lab server or FleetLab, as a context manager), stopped when the fixture ends."""
    require_lab(missing)
    with service(*args, **kwargs) as started:
        yield started
