// Group settings form rules (the server enforces the same: 409
// auto_switch_manual_replica_conflict).

export interface SettingsForm {
  auto_switch: boolean;
  manual_replica: boolean;
  auto_terminate: boolean;
  terminate_wait_seconds: number;
  min_savings_percent: number;
  max_switches_per_week: number;
  min_pool_duration_hours: number;
}

/**
 * Applies one toggle. Auto switch and manual replica exclude each other:
 * turning one on turns the other off.
 */
export function toggle(form: SettingsForm, field: "auto_switch" | "manual_replica" | "auto_terminate", on: boolean): SettingsForm {
  const next = { ...form, [field]: on };
  if (on && field === "auto_switch") next.manual_replica = false;
  if (on && field === "manual_replica") next.auto_switch = false;
  return next;
}

/** Problems that keep the form from being sent (empty when fine). */
export function validate(form: SettingsForm): string[] {
  const errors: string[] = [];
  if (form.auto_switch && form.manual_replica) errors.push("Auto switch and manual replica cannot both be on.");
  if (!Number.isInteger(form.terminate_wait_seconds) || form.terminate_wait_seconds < 0)
    errors.push("Terminate wait must be a whole number of seconds, 0 or more.");
  if (!(form.min_savings_percent >= 0 && form.min_savings_percent <= 100))
    errors.push("Minimum savings must be between 0 and 100 %.");
  if (!Number.isInteger(form.max_switches_per_week) || form.max_switches_per_week < 0)
    errors.push("Switches per week must be a whole number, 0 or more.");
  if (!Number.isInteger(form.min_pool_duration_hours) || form.min_pool_duration_hours < 0)
    errors.push("Minimum hours in a pool must be a whole number, 0 or more.");
  return errors;
}
