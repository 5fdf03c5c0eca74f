#!/usr/bin/env bash
# Start the lab (real chronyd, some under libfaketime; TLS servers), run the playbook, stop the lab.
set -eux
python=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
labctl=${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/cifleet/gotime/tests/lab/labctl.py
state_dir=$(mktemp -d)
state="$state_dir/lab.json"
cleanup() { "$python" "$labctl" stop --state "$state"; rm -rf "$state_dir"; }
trap cleanup EXIT
"$python" "$labctl" start --state "$state"
ansible-playbook -i localhost, -c local main.yml -e "lab_state=$state" -e "ansible_python_interpreter=$python" "$@"
