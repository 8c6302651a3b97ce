-- windowsAutopilotSettings per tenant: the stable id and the times of the manual sync.
CREATE TABLE autopilot_settings (
    tenant          TEXT    NOT NULL PRIMARY KEY,
    id              TEXT    NOT NULL,
    last_trigger_at INTEGER,
    completes_at    INTEGER,
    previous_sync_at INTEGER
) WITHOUT ROWID;
