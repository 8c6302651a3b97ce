-- Import records are transient (clients delete them once decided) and their lists per tenant
-- stay small, while the trigram index cost every import a second write per device (import
-- throughput fell by more than half). Substring searches on them scan instead; registered
-- devices, which grow into the hundreds of thousands, keep their trigram index.
DROP TRIGGER imported_devices_serials_insert;
DROP TRIGGER imported_devices_serials_delete;
DROP TABLE imported_devices_serials;
