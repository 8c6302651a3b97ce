"""Timing half of bench/odata.sh. Standard library only."""

import json
import random
import statistics
import sys
import time
import urllib.parse
import urllib.request

base, token, devices = sys.argv[1], sys.argv[2], int(sys.argv[3])
backend = sys.argv[4] if len(sys.argv) > 4 else "SQLite"
root = base + "/beta/deviceManagement/windowsAutopilotDeviceIdentities"
headers = {"Authorization": "Bearer " + token}
rng = random.Random(7)


def get(url):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
        return r.read()


def timed(url):
    t = time.perf_counter()
    body = get(url)
    return (time.perf_counter() - t) * 1000, body


def q(filter_, extra=""):
    return root + "?$filter=" + urllib.parse.quote(filter_, safe="(),'") + extra


# Real serials to search for.
sample = json.loads(get(root + "?$top=1000&$select=serialNumber"))["value"]
serials = [d["serialNumber"] for d in sample]


def run(name, make_url, n=50):
    times = []
    rows = 0
    for _ in range(n):
        ms, body = timed(make_url())
        times.append(ms)
        if body[:1] == b"{":
            rows = len(json.loads(body).get("value", []))
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{name:48} median {statistics.median(times):8.2f} ms   p99 {p99:8.2f} ms   ({n} runs, {rows} rows)")
    return statistics.median(times)


print(f"OData latency at {devices} registered devices ({backend}, release build, one client)")
run("contains(serialNumber,'<8 chars>')", lambda: q(f"contains(serialNumber,'{rng.choice(serials)[-8:]}')"))
run("serialNumber eq", lambda: q(f"serialNumber eq '{rng.choice(serials)}'"))
run("startswith(serialNumber,'<15 chars>')", lambda: q(f"startswith(serialNumber,'{rng.choice(serials)[:15]}')"))
first = run("first page, $top=1000", lambda: root + "?$top=1000")
# Walk to page 500 (or the last page of a smaller set) once, then time that page.
pages = max(1, min(500, devices // 1000))
url = root + "?$top=1000"
for _ in range(pages - 1):
    url = json.loads(get(url))["@odata.nextLink"]
deep = url
last = run(f"page {pages} of the $top=1000 walk", lambda: deep, n=20)
print(f"{'':48} page {pages} / page 1 = {last / first:.2f}")
run("$count", lambda: root + "/$count", n=20)
if backend != "SQLite":
    # On PostgreSQL every case function lowers the same column, which the pg_trgm index
    # serves: there is no unindexed form of the query to compare with.
    sys.exit(0)
indexed = run("contains, trigram index (again, for the ratio)", lambda: q(f"contains(serialNumber,'{rng.choice(serials)[-8:]}')"), n=20)
scan = run("same contains as a full scan (no index)", lambda: q(f"contains(tolower(serialNumber),'{rng.choice(serials)[-8:].lower()}')"), n=10)
print(f"{'':48} full scan / indexed = {scan / indexed:.0f}x")
