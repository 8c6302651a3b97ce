-- Device actions: allowNextEnrollment moves the userless enrollment status
-- (windowsAutopilotUserlessEnrollmentStatus: 0 unknown, 1 allowed, 2 blocked).
ALTER TABLE autopilot_devices ADD COLUMN userless_enrollment_status INTEGER NOT NULL DEFAULT 0;
