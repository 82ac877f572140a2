// Shapes of the gateway answers the app reads (docs/DASHBOARD.md lists the paths).

export type InstanceRole = "PRIMARY" | "REPLICA" | "ZOMBIE" | "TERMINATED";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface GroupRow {
  id: string;
  logical_agent_id: string;
  auto_switch: boolean;
  manual_replica: boolean;
  auto_terminate: boolean;
  terminate_wait_seconds: number;
  min_savings_percent: number;
  max_switches_per_week: number;
  min_pool_duration_hours: number;
  availability_target_percent: number;
  version: number;
  created_at: string;
  primary_instance_id: string | null;
}

export interface AgentRow {
  id: string;
  agent_id: string;
  logical_agent_id: string;
  instance_id: string;
  instance_type: string;
  az: string;
  mode: string;
  status: string;
  agent_version: string | null;
  last_heartbeat_at: string | null;
  heartbeat_count: number;
  registered_at: string;
  role: InstanceRole | null;
  group_id: string;
}

export interface InstanceRow {
  id: string;
  group_id: string;
  logical_agent_id: string;
  instance_id: string;
  role: InstanceRole;
  instance_type: string;
  az: string;
  mode: string;
  pool_id: string | null;
  role_changed_at: string | null;
  created_at: string;
}

export interface ReplicaRow {
  id: string;
  group_id: string;
  agent_id: string | null;
  instance_id: string | null;
  replica_type: string;
  pool_id: string | null;
  status: string;
  boot_seconds: number | null;
  launched_at: string | null;
  ready_at: string | null;
  created_at: string;
}

export interface CommandRow {
  id: string;
  group_id: string;
  agent_id: string;
  command_type: string;
  priority: number;
  target_mode: string | null;
  target_pool_id: string | null;
  request_id: string | null;
  status: string;
  actor: string | null;
  deadline: string | null;
  result_message: string | null;
  created_at: string;
  delivered_at: string | null;
  completed_at: string | null;
}

export interface SwitchRow {
  id: string;
  group_id: string;
  agent_id: string;
  old_instance_id: string;
  new_instance_id: string;
  old_pool_id: string | null;
  new_pool_id: string | null;
  old_mode: string | null;
  new_mode: string | null;
  switch_initiated_at: string | null;
  traffic_switched_at: string | null;
  downtime_seconds: number | null;
  created_at?: string;
}

export interface PricePoint {
  t: string;
  price: number;
  source: "agent" | "interpolated" | "backfilled" | string;
  samples: number;
}

export interface PoolRisk {
  pool_id: string;
  score: number;
  recommendation: string;
  volatility: number;
  min_price: number;
  avg_price: number;
  max_price: number;
  interruptions_30d: number;
  analyzed_at: string;
}

export interface SavingsRow {
  period: string;
  spot_hours: number;
  on_demand_hours: number;
  actual_cost: number;
  on_demand_equivalent_cost: number;
  savings: number;
  savings_percent: number;
  switch_count: number;
}

export interface PricedPool {
  id: string;
  name: string;
  az: string;
  price: number;
  savings: number;
}

/** `GET /api/client/instances/{id}/pricing` (the field dashboard's camelCase names). */
export interface InstancePricing {
  currentMode: string;
  currentPool: { id: string; name: string; az: string };
  onDemand: { name: string; price: number };
  pools: PricedPool[];
}

export interface DashInstance {
  id: string;
  instance_type: string;
  region: string;
  az: string;
  current_mode: string;
  spot_price: number;
  ondemand_price: number;
  is_active: boolean;
  role: string;
  logical_agent_id: string;
}

export interface NoticeStep {
  at: string | null;
  step: string;
  target_mode: string | null;
  target_pool_id: string | null;
  command_id: string | null;
  reason: string;
}

export interface EmergencyStatus {
  has_notice: boolean;
  notice_id: string | null;
  kind: string | null;
  status: string | null;
  instance_id: string | null;
  notice_time: string | null;
  deadline: string | null;
  action: string | null;
  target_pool_id: string | null;
  emergency_replica_id: string | null;
  replica_status: string | null;
  reason: string | null;
  return_to_spot: boolean;
  steps: NoticeStep[];
}

export interface Decision {
  id: string;
  group_id: string;
  action: string;
  trigger?: string;
  target_pool_id?: string | null;
  target_mode?: string | null;
  model_name?: string;
  model_version?: string;
  arm?: string;
  confidence?: number | null;
  blocked?: boolean;
  fallback_reason?: string | null;
  reasoning?: string | null;
  command_status?: string | null;
  realised_savings?: number | null;
  decided_at?: string;
}

export interface ArmSummary {
  model_name: string;
  model_version: string;
  arm: string;
  decisions: number;
  switches_proposed: number;
  blocked: number;
  acted: number;
  executed: number;
  failed: number;
  fallbacks: number;
  realised_savings: number;
  realised_hours: number;
  interruptions_after_switch: number;
  groups: number;
}

export interface RejectedOutput {
  id: string;
  decision_id: string | null;
  group_id: string | null;
  model_name: string;
  model_version: string;
  code: string;
  reason: string;
  raw_output: string | null;
  created_at: string;
}

export interface ModelRow {
  id: string;
  name: string;
  version: string;
  kind: string;
  description?: string | null;
  policy?: string | null;
  endpoint?: string | null;
  confidence_threshold?: number | null;
  active: boolean;
  /** "a" (slot 1) or "b" (slot 2, gets `ab_share_bp` of the groups) while active. */
  arm: "a" | "b" | null;
  ab_share_bp: number | null;
  activated_at?: string | null;
  created_at?: string;
}

export interface Notification {
  id: string;
  kind: string;
  severity: "info" | "warning" | "critical";
  title: string;
  body: string;
  group_id?: string | null;
  agent_id?: string | null;
  created_at: string;
  read_at: string | null;
}

export interface Webhook {
  id: string;
  url: string;
  kinds: string[];
  secret?: string;
  created_at?: string;
}

export interface DowntimeStats {
  count: number;
  avg_seconds: number | null;
  p50_seconds: number | null;
  p95_seconds: number | null;
  max_seconds: number | null;
  target_seconds: number;
}

/** One live event of `GET /api/events/stream` (CONTRACTS.md). */
export interface LiveEvent {
  id: string | null;
  kind: string;
  data: Record<string, unknown> & { kind?: string; client_id?: string; at?: string };
}
