-- A record's place in the request that imported it (from 1; 0 for records from before), which
-- a scenario's `nth` match reads.
ALTER TABLE imported_devices ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
