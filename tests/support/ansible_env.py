"""Environment for running this checkout's playbooks with private Ansible state in a work directory."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(os.path.abspath(sys.executable))


def ansible_env(workdir, **extra):
    """os.environ plus the checkout's ansible.cfg and collections, and a fact cache of workdir's own.

    extra: further variables (e.g. ANSIBLE_FORKS='25').
    """
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
        ANSIBLE_HOME=os.path.join(workdir, 'ansible-home'),
        ANSIBLE_LOCAL_TEMP=os.path.join(workdir, 'ansible-tmp'),
        # A fact cache of this run's own, so parallel runs and `make report` never mix.
        ANSIBLE_CACHE_PLUGIN_CONNECTION=os.path.join(workdir, 'facts'),
        ANSIBLE_NOCOLOR='1',
        PATH=os.pathsep.join((BIN, env.get('PATH', ''))),
    )
    env.update(extra)
    return env
