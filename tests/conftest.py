"""Make the checkout importable as ansible_collections.cifleet.gotime and the lab as `lab`."""
import os
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')

link = os.path.join(COLLECTIONS, 'ansible_collections', 'cifleet', 'gotime')
if not os.path.lexists(link):
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(os.path.join('..', '..', '..', '..'), link)
for path in (COLLECTIONS, TESTS):
    if path not in sys.path:
        sys.path.insert(0, path)
