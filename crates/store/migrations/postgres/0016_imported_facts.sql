-- What each record's hash says, read once at import (a JSON array of the six facts, or `[]`
-- for a hash that does not decode), so that a registration round does not read the 4 KB hash.
-- NULL for records imported before: the round reads their hash.
ALTER TABLE imported_devices ADD COLUMN facts TEXT COLLATE "C";
