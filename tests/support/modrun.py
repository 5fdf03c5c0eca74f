"""Run a collection module the way Ansible does on a target: a Python process fed ANSIBLE_MODULE_ARGS."""
import json
import os
import subprocess
import sys
import tempfile

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(os.path.dirname(TESTS), '.cache', 'collections')


def run_module(name, args, check_mode=False, env=None, timeout=120):
    """Return (result dict, completed process) of cifleet.gotime.<name> run with args."""
    payload = dict(args)
    if check_mode:
        payload['_ansible_check_mode'] = True
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': payload}, handle)
    proc_env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    proc_env.update(env or {})
    try:
        proc = subprocess.run(
            [sys.executable, '-m', 'ansible_collections.cifleet.gotime.plugins.modules.%s' % name, handle.name],
            capture_output=True, text=True, env=proc_env, timeout=timeout, check=False)
    finally:
        os.unlink(handle.name)
    try:
        result = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError('module printed no JSON: rc=%s\nstdout=%s\nstderr=%s' % (proc.returncode, proc.stdout, proc.stderr))
    return result, proc
