"""Timing half of bench/fairness.sh. Standard library only.

Usage: fairness.py BASE SMALL_TOKEN BACKLOG_TOKEN SMALL_JSON DELAY_SECONDS BACKLOG"""

import json
import sys
import time
import urllib.request

base, small_token, backlog_token, small_file = sys.argv[1:5]
delay, backlog = float(sys.argv[5]), int(sys.argv[6])
api = base + "/beta/deviceManagement"


def call(token, path, body=None):
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(api + path, data=data, headers=headers,
                                     method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request) as r:
        return json.loads(r.read() or b"null")


def registered(token):
    request = urllib.request.Request(api + "/windowsAutopilotDeviceIdentities/$count",
                                     headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request) as r:
        return int(r.read())


# The server is up (bench/lib.sh waited for it) and working the backlog off already.
started = time.monotonic()
time.sleep(1.0)
small = json.load(open(small_file))
body = {"importedWindowsAutopilotDeviceIdentities": [
    {"serialNumber": d["serialNumber"], "hardwareIdentifier": d["hardwareIdentifier"]}
    for d in small]}
imported_at = time.monotonic()
ids = [r["id"] for r in call(small_token, "/importedWindowsAutopilotDeviceIdentities/import", body)["value"]]
while True:
    states = [call(small_token, f"/importedWindowsAutopilotDeviceIdentities/{i}")["state"]["deviceImportStatus"]
              for i in ids]
    if all(s != "unknown" for s in states):
        break
    time.sleep(0.05)
done_at = time.monotonic()
left = backlog - registered(backlog_token)
late = done_at - imported_at - delay
print(f"backlog: {backlog:,} records due at the server's start, another tenant")
print(f"small tenant: 10 devices imported {imported_at - started:.1f} s after the start, delay {delay:g} s")
print(f"small tenant decided {late:.2f} s after its delay ({', '.join(sorted(set(states)))})")
print(f"backlog still waiting then: {left:,}")
deadline = time.monotonic() + 600
while registered(backlog_token) < backlog:
    if time.monotonic() > deadline:
        sys.exit("the backlog was not all registered within 10 minutes")
    time.sleep(0.5)
drained = time.monotonic() - started
print(f"backlog drained {drained:.1f} s after the start ({backlog / drained:,.0f} devices/s)")
