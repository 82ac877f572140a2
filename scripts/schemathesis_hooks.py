"""Schemathesis hooks for `scripts/schemathesis.sh` (docs/HARDENING.md, "API fuzzing").

A v4 agent repeats its tenant's bearer token in the register body
(`client_token`), and the gateway refuses a body whose token is not the
caller's. Drawn at random, the token never matches, so no register would
succeed and the stateful phase could follow none of the links from register
to the agent's routes. The tenant pass puts its token there (a token that is
not a string is kept, to go on testing the type check), and half its
registers are a valid agent; wrong tokens are covered by the isolation
matrix and the gateway's own tests.
"""

import os

import schemathesis
from hypothesis import strategies as st
from schemathesis.specs.openapi import stateful as _stateful

TOKEN = os.environ.get("FUZZ_TENANT_TOKEN", "")


def _valid_register(body, n):
    """The drawn body with every field a v4 agent sends set to a valid value."""
    valid = dict(body)
    valid.update(
        client_token=TOKEN,
        hostname=f"fuzz-{n}",
        instance_id=f"i-{n:017x}",
        instance_type="t3.medium",
        region="us-east-1",
        az="us-east-1a",
        ami_id="ami-0123456789abcdef0",
        agent_version="4.0.0",
        logical_agent_id=f"fuzz-agent-{n}",
        mode="spot",
        private_ip="10.0.0.1",
    )
    return valid


@schemathesis.hook
def flatmap_body(ctx, body):
    operation = getattr(ctx, "operation", None)
    if not (TOKEN and operation is not None and operation.path == "/api/agents/register" and isinstance(body, dict)):
        return st.just(body)
    if isinstance(body.get("client_token", ""), str):
        body["client_token"] = TOKEN
    # Half the registers are the drawn body, half a valid agent whose answer
    # the stateful phase can follow (a drawn body almost never passes every check).
    return st.one_of(st.just(body), st.integers(0, 2**40).map(lambda n: _valid_register(body, n)))


# The stateful phase starts its scenarios only at operations it judges likely
# to succeed with random input, and it judges register unlikely: its body names
# `instance_id`, `ami_id` and `logical_agent_id`, resources no operation
# returns. With the token above a register does succeed, so it is made a root,
# and every scenario can start where an agent's life starts. (An internal of
# the pinned schemathesis version, SCHEMATHESIS_VERSION in schemathesis.sh.)
_likely_root = _stateful.is_likely_root_transition


def _register_is_a_root(operation, node, produced_anywhere):
    if TOKEN and operation.method == "post" and operation.path == "/api/agents/register":
        return True
    return _likely_root(operation, node, produced_anywhere)


_stateful.is_likely_root_transition = _register_is_a_root
