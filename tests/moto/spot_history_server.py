"""The moto EC2 emulator with a seeded spot price history, for backfill tests.

moto (PyPI `moto[server]`) handles EC2's query protocol, request signing and
XML answers, but its DescribeSpotPriceHistory returns one fixed price per
offering (0.00001, dated 2006) and never paginates. This wrapper keeps all of
moto and replaces only the data of that one action: it answers from a JSON
file of price changes, filtered by instance type, availability zone and time
range, in pages of MaxResults with NextToken, like AWS does.

Usage: python3 spot_history_server.py PORT HISTORY_JSON
HISTORY_JSON: [{"instance_type", "az", "timestamp" (ISO-8601), "price"}, ...]
"""

import json
import signal
import sys
import threading
from datetime import datetime, timezone

from moto.core.responses import ActionResult
from moto.ec2.responses.spot_instances import SpotInstances
from moto.moto_server.threaded_moto_server import ThreadedMotoServer


def parse_time(raw):
    if not raw:
        return None
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=timezone.utc)
    value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def seeded(history):
    def describe_spot_price_history(self):
        types = self._get_param("InstanceTypes", []) or []
        filters = self._filters_from_querystring() or {}
        zones = filters.get("availability-zone", [])
        start = parse_time(self._get_param("StartTime"))
        end = parse_time(self._get_param("EndTime"))
        max_results = int(self._get_param("MaxResults", 1000) or 1000)
        offset = int(self._get_param("NextToken", 0) or 0)
        rows = [
            h for h in history
            if (not types or h["instance_type"] in types)
            and (not zones or h["az"] in zones)
            and (start is None or parse_time(h["timestamp"]) >= start)
            and (end is None or parse_time(h["timestamp"]) <= end)
        ]
        # AWS returns newest first.
        rows.sort(key=lambda h: h["timestamp"], reverse=True)
        page = rows[offset:offset + max_results]
        result = {
            "SpotPriceHistory": [
                {
                    "InstanceType": h["instance_type"],
                    "ProductDescription": "Linux/UNIX (Amazon VPC)",
                    "SpotPrice": str(h["price"]),
                    "AvailabilityZone": h["az"],
                    "Timestamp": parse_time(h["timestamp"]),
                }
                for h in page
            ]
        }
        if offset + max_results < len(rows):
            result["NextToken"] = str(offset + max_results)
        return ActionResult(result)

    return describe_spot_price_history


def main():
    port = int(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        history = json.load(f)
    SpotInstances.describe_spot_price_history = seeded(history)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
