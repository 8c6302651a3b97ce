-- Room on each page of imported_devices, so that a claim (which changes no indexed column)
-- updates its row in place. Pages written before this keep their old fill until rewritten.
ALTER TABLE imported_devices SET (fillfactor = 80);
