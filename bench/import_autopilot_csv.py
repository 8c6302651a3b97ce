"""The Import-AutopilotCSV way, replayed as HTTP (bench/import.sh): one POST per device to the
imported-device collection (Add-AutopilotImportedDevice), then a GET of the whole collection
every 15 seconds until no record is `unknown`, then one DELETE per record, as the
WindowsAutopilotIntune module does. A 429 is waited out for its Retry-After and the request
sent again, as often as it takes: the module's best case (the Graph SDK under it gives up after
three retries, and the row is then not imported at all). With NO_CLEANUP=1 the deletes are left
out. Standard library only.

Usage: import_autopilot_csv.py BASE TOKEN DEVICES_JSON"""

import json
import os
import sys
import time
import urllib.error
import urllib.request

base, token, devices_file = sys.argv[1], sys.argv[2], sys.argv[3]
devices = json.load(open(devices_file))
collection = base + "/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities"
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}


throttled = 0


def call(method, url, body=None):
    global throttled
    while True:
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            if e.code != 429:
                raise
            throttled += 1
            time.sleep(float(e.headers.get("Retry-After", "1")))


start = time.perf_counter()
for d in devices:
    body = json.dumps({
        "@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
        "serialNumber": d["serialNumber"],
        "hardwareIdentifier": d["hardwareIdentifier"],
        "groupTag": "",
        "assignedUserPrincipalName": "",
        "state": {"deviceImportStatus": "pending", "deviceRegistrationId": "",
                  "deviceErrorCode": 0, "deviceErrorName": ""},
    }).encode()
    call("POST", collection, body)
posted = time.perf_counter()
while True:
    records, url = [], collection
    while url:
        page = json.loads(call("GET", url))
        records += page["value"]
        url = page.get("@odata.nextLink")
    waiting = sum(1 for r in records if r["state"]["deviceImportStatus"] == "unknown")
    if waiting == 0:
        break
    time.sleep(15)
decided = time.perf_counter()
complete = sum(1 for r in records if r["state"]["deviceImportStatus"] == "complete")
if os.environ.get("NO_CLEANUP") != "1":
    for r in records:
        call("DELETE", collection + "/" + r["id"])
done = time.perf_counter()
print(f"Import-AutopilotCSV replay: {len(devices)} devices, {complete} complete")
print(f"  posted one by one in       {posted - start:8.2f} s")
print(f"  all decided after          {decided - start:8.2f} s (polling every 15 s)")
if os.environ.get("NO_CLEANUP") != "1":
    print(f"  cleaned up after           {done - start:8.2f} s")
print(f"  429 answers waited out     {throttled:8d}")
