"""Runs Adobe's Python wrapper aepp (0.6.0) against the AEP emulator, as a user of aepp would.

Run by test/emulator/aepp.test.ts with the venv's python (scripts/install-aepp.sh):
    python aepp-client.py '{"url": …, "orgId": …, "clientId": …, "clientSecret": …,
                            "datasetId": …, "schemaId": …, "count": 5, "limit": 2}'
Prints one JSON summary as its last stdout line; on the first step that raises, the summary
carries `error` ("<step>: <exception>") and the exit code is 1.

aepp is pointed at the emulator only through its module-level configuration, which its requests
read: `aepp.config.endpoints["global"]` (the Platform base URL every module prefixes) and
`aepp.config.config_object["oauthTokenEndpointV2"]` (where `connector.AdobeRequest` posts the
OAuth server-to-server client_credentials grant when `scopes` is set).
"""

import json
import sys
import traceback

import aepp
from aepp import flowservice

args = json.loads(sys.argv[1])
url = args["url"]
count = int(args.get("count", 5))
limit = int(args.get("limit", 2))
summary: dict = {"aeppVersion": aepp.__version__}
step = "configure"


def done(code: int) -> None:
    print(json.dumps(summary))
    sys.exit(code)


try:
    aepp.configure(
        org_id=args["orgId"],
        client_id=args["clientId"],
        secret=args["clientSecret"],
        scopes="openid,AdobeID,read_organizations,additional_info.projectedProductContext,session",
        sandbox="prod",
        environment="prod",
    )
    aepp.config.endpoints["global"] = url
    aepp.config.endpoints["streaming"]["inlet"] = f"{url}/data/core/edge"
    aepp.config.config_object["imsEndpoint"] = url
    aepp.config.config_object["oauthTokenEndpointV1"] = f"{url}/ims/token/v1"
    aepp.config.config_object["oauthTokenEndpointV2"] = f"{url}/ims/token/v3"

    step = "FlowService()"
    fs = flowservice.FlowService()

    # Every GET aepp sends, so the summary shows how it paged.
    gets: list = []
    real_get = fs.connector.getData

    def logged_get(endpoint, params=None, *rest, **kw):
        gets.append({"path": endpoint[len(url) :], "params": dict(params or {})})
        return real_get(endpoint, params, *rest, **kw)

    fs.connector.getData = logged_get

    step = "getConnectionSpecIdFromName"
    summary["specIds"] = {
        name: fs.getConnectionSpecIdFromName(name) for name in ("Streaming Connection", "datalake")
    }

    created: dict = {"connections": [], "sourceConnections": [], "targetConnections": [], "flows": []}
    for i in range(count):
        name = f"aepp {i}"
        step = f"createConnectionStreaming #{i}"
        base = fs.createConnectionStreaming(
            name=f"{name} account", sourceId=f"aepp-source-{i}", paramName=f"{name} account"
        )
        if "id" not in base:
            raise RuntimeError(json.dumps(base))
        created["connections"].append(base["id"])
        # providerId=None: aepp finds the spec by its name and reads its providerId.
        step = f"createSourceConnectionStreaming #{i}"
        source = fs.createSourceConnectionStreaming(
            connectionId=base["id"], name=f"{name} source", format="json", providerId=None
        )
        if "id" not in source:
            raise RuntimeError(json.dumps(source))
        created["sourceConnections"].append(source["id"])
        step = f"createTargetConnectionDataLake #{i}"
        target = fs.createTargetConnectionDataLake(
            name=f"{name} target", datasetId=args["datasetId"], schemaId=args["schemaId"], format="json"
        )
        if "id" not in target:
            raise RuntimeError(json.dumps(target))
        created["targetConnections"].append(target["id"])
        step = f"createFlowStreaming #{i}"
        flow = fs.createFlowStreaming(
            name=f"{name} flow", source_connection_id=source["id"], target_connection_id=target["id"]
        )["flow"]
        if "id" not in flow:
            raise RuntimeError(json.dumps(flow))
        created["flows"].append(flow["id"])
    summary["created"] = created

    step = "getConnection"
    # aepp unwraps the answer's `items[0]`.
    first = fs.getConnection(created["connections"][0])
    summary["inletUrl"] = first.get("auth", {}).get("params", {}).get("inletUrl")

    # Each list with `limit` well under the count, so aepp must follow `_links.next.href`:
    # getConnections re-sends the href verbatim, the others re-send the token after its `=`.
    listed: dict = {}
    for kind, call in (
        ("connections", lambda: fs.getConnections(limit=limit, n_results="inf")),
        ("flows", lambda: fs.getFlows(limit=limit, n_results="inf")),
        # A filtered list: the token must continue the filter aepp sent.
        ("sourceFlows", lambda: fs.getFlows(limit=limit, n_results="inf", onlySources=True)),
        ("sourceConnections", lambda: fs.getSourceConnections(n_results="inf", limit=limit)),
        ("targetConnections", lambda: fs.getTargetConnections(n_results="inf", limit=limit)),
    ):
        step = f"list {kind}"
        before = len(gets)
        items = call()
        if not isinstance(items, list):
            raise RuntimeError(f"not a list: {json.dumps(items)}")
        listed[kind] = {"ids": [item["id"] for item in items], "requests": gets[before:]}
    summary["listed"] = listed
except Exception as exc:  # noqa: BLE001 - the summary names the step that failed
    summary["error"] = f"{step}: {type(exc).__name__}: {exc}"
    summary["trace"] = traceback.format_exc()
    done(1)
done(0)
