-- The records waiting for registration, tenant first: each registration round shares itself
-- among the tenants with records due (found by a skip scan of this index, one seek per tenant)
-- and claims each tenant's oldest, so that no tenant's backlog holds back another's. It
-- replaces the index by due time alone, which served only a claim in global due order.
DROP INDEX imported_devices_due;
CREATE INDEX imported_devices_waiting ON imported_devices (tenant, due_at, id) WHERE status = 0;
