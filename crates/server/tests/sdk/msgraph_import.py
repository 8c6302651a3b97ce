"""Drives autopilot-graph with Microsoft's Python Graph SDK (msgraph-sdk), unmodified.

Usage: python msgraph_import.py BASE_URL TOKEN HASH_BASE64

Imports one device through the `import` action, lists, gets it by id and deletes it, then
checks that a second get fails with the SDK's ODataError (404, ResourceNotFound). Prints one
line of JSON with what it saw; exits non-zero on any mismatch.
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
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.device_management.imported_windows_autopilot_device_identities.import_.import_post_request_body import (
    ImportPostRequestBody,
)
from msgraph.generated.models.imported_windows_autopilot_device_identity import (
    ImportedWindowsAutopilotDeviceIdentity,
)
from msgraph.generated.models.imported_windows_autopilot_device_identity_import_status import (
    ImportedWindowsAutopilotDeviceIdentityImportStatus,
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


async def main(base: str, token: str, hash_b64: str) -> dict:
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(token)))
    adapter.base_url = base.rstrip("/") + "/v1.0"
    client = GraphServiceClient(request_adapter=adapter)
    collection = client.device_management.imported_windows_autopilot_device_identities

    device = ImportedWindowsAutopilotDeviceIdentity(
        serial_number="SDK-0001",
        group_tag="Python",
        assigned_user_principal_name="adele@contoso.com",
        hardware_identifier=base64.b64decode(hash_b64),
    )
    imported = await collection.import_.post(
        ImportPostRequestBody(imported_windows_autopilot_device_identities=[device])
    )
    check(imported is not None and len(imported.value) == 1, "import returns one record")
    record = imported.value[0]
    check(record.serial_number == "SDK-0001", "serial echoed")
    check(record.group_tag == "Python", "group tag echoed")
    check(record.hardware_identifier == base64.b64decode(hash_b64), "hash echoed as bytes")
    check(
        record.state.device_import_status == ImportedWindowsAutopilotDeviceIdentityImportStatus.Unknown,
        "state unknown while processing",
    )
    check(record.state.device_error_code == 0, "error code 0")

    listed = await collection.get()
    ids = [d.id for d in listed.value]
    check(record.id in ids, "listed")

    got = await collection.by_imported_windows_autopilot_device_identity_id(record.id).get()
    check(got.id == record.id and got.serial_number == "SDK-0001", "get by id")

    count = await collection.count.get()
    check(count == len(ids), "count")

    await collection.by_imported_windows_autopilot_device_identity_id(record.id).delete()
    try:
        await collection.by_imported_windows_autopilot_device_identity_id(record.id).get()
        check(False, "get after delete fails")
    except ODataError as error:
        status, code = error.response_status_code, error.error.code
    check(status == 404 and code == "ResourceNotFound", "404 ResourceNotFound after delete")
    return {"imported": record.id, "listed": len(ids), "count": count, "afterDelete": [status, code]}


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
    print(json.dumps(result))
