"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test downloads get-pip from the internet unless a copy sits in
~/.ansible/test/cache. This one installs with the pip wheel bundled in
Python's ensurepip, forwarding the arguments (packages and pip options) to
`pip install`; pip then fetches the requested pip version from the package index.
"""
import glob
import os
import sys

import ensurepip

bundled = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')
wheels = glob.glob(os.path.join(bundled, 'pip-*.whl'))
if not wheels:
    sys.exit('get_pip_offline: no bundled pip wheel in %s' % bundled)
sys.path.insert(0, wheels[0])

from pip._internal.cli.main import main  # noqa: E402  pylint: disable=wrong-import-position

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(main(['install'] + args))
