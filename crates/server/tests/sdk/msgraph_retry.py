"""Drives autopilot-graph through a 503 that comes after the import was applied, with
Microsoft's Python Graph SDK (msgraph-sdk), unmodified.

Usage: python msgraph_retry.py BASE_URL BLIND_TOKEN CAREFUL_TOKEN BLIND_HASH CAREFUL_HASH

Two tenants, the same fault (the import is applied, then answered 503):
- blind: the SDK's default retry handler sends the POST again by itself. Intune answers the
  second record with 806 while the first registers; the script sees that on the record the
  SDK returned, and finds the device registered once.
- careful: the script turns the retry handler off for the import, handles 429 itself, and on a
  503 or 504 looks for its record before sending again. One record, registered.
Prints one line of JSON with what it saw; exits non-zero on any mismatch.
"""

import asyncio
import base64
import json
import sys

from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.device_management.imported_windows_autopilot_device_identities.import_.import_post_request_body import (
    ImportPostRequestBody,
)
from msgraph.generated.models.imported_windows_autopilot_device_identity import (
    ImportedWindowsAutopilotDeviceIdentity,
)
from msgraph.generated.models.imported_windows_autopilot_device_identity_import_status import (
    ImportedWindowsAutopilotDeviceIdentityImportStatus as Status,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError


class StaticToken(AccessTokenProvider):
    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(self, uri, additional_authentication_context=None) -> str:
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator([])


def check(condition: bool, what: str) -> None:
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def connect(base: str, token: str) -> GraphServiceClient:
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(token)))
    adapter.base_url = base.rstrip("/") + "/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def body(serial: str, hash_b64: str) -> ImportPostRequestBody:
    device = ImportedWindowsAutopilotDeviceIdentity(
        serial_number=serial, hardware_identifier=base64.b64decode(hash_b64)
    )
    return ImportPostRequestBody(imported_windows_autopilot_device_identities=[device])


async def decided(client: GraphServiceClient, record_id: str):
    """The record once it is no longer `unknown` (at most 20 s)."""
    collection = client.device_management.imported_windows_autopilot_device_identities
    for _ in range(100):
        record = await collection.by_imported_windows_autopilot_device_identity_id(record_id).get()
        if record.state.device_import_status != Status.Unknown:
            return record
        await asyncio.sleep(0.2)
    check(False, f"record {record_id} decided within 20 s")


async def records_of(client: GraphServiceClient, serial: str) -> list:
    listed = await client.device_management.imported_windows_autopilot_device_identities.get()
    return [r for r in listed.value if r.serial_number == serial]


async def registered(client: GraphServiceClient, serial: str) -> int:
    listed = await client.device_management.windows_autopilot_device_identities.get()
    return sum(1 for d in listed.value if d.serial_number == serial)


async def blind(base: str, token: str, hash_b64: str) -> dict:
    client = connect(base, token)
    serial = "SDK-BLIND-1"
    returned = await client.device_management.imported_windows_autopilot_device_identities.import_.post(
        body(serial, hash_b64)
    )
    check(returned is not None and len(returned.value) == 1, "the retried import returns a record")
    record = await decided(client, returned.value[0].id)
    records = await records_of(client, serial)
    statuses = sorted(r.state.device_import_status.value for r in records)
    return {
        "records": len(records),
        "statuses": statuses,
        "returned": [record.state.device_import_status.value, record.state.device_error_code,
                     record.state.device_error_name],
        "registered": await registered(client, serial),
    }


async def careful(base: str, token: str, hash_b64: str) -> dict:
    client = connect(base, token)
    serial = "SDK-CAREFUL-1"
    no_retry = RequestConfiguration(options=[RetryHandlerOption(should_retry=False)])
    action = client.device_management.imported_windows_autopilot_device_identities.import_
    sends, unsure = 0, 0
    record_id = None
    while record_id is None:
        sends += 1
        check(sends <= 5, "imported within five sends")
        try:
            returned = await action.post(body(serial, hash_b64), request_configuration=no_retry)
            record_id = returned.value[0].id
        except ODataError as error:
            status = error.response_status_code
            check(status in (429, 503, 504), f"only a retryable error, got {status}")
            headers = error.response_headers or {}
            wait = float(headers.get("retry-after", headers.get("Retry-After", "1")))
            await asyncio.sleep(wait)
            if status != 429:
                # It may have been applied: look before sending again.
                unsure += 1
                found = await records_of(client, serial)
                if found:
                    record_id = found[0].id
    record = await decided(client, record_id)
    return {
        "sends": sends,
        "unsure": unsure,
        "records": len(await records_of(client, serial)),
        "status": record.state.device_import_status.value,
        "registered": await registered(client, serial),
    }


async def main(base: str, blind_token: str, careful_token: str, blind_hash: str, careful_hash: str):
    return {
        "blind": await blind(base, blind_token, blind_hash),
        "careful": await careful(base, careful_token, careful_hash),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(*sys.argv[1:6]))))
