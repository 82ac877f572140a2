//! `spotctl tenants|tokens|agents|replicas|switches|notices|unknown-instances|replica-costs`: the
//! operators' API over HTTP (docs/OPERATORS_API.md, "spotctl"). Tables by
//! default, the API's JSON with `--json`, the API's error code on failure.

pub mod client;
pub mod table;

use clap::{Args, Subcommand};
use client::{CliError, Target};
use serde_json::{Value, json};

/// Where to call and how to print.
#[derive(Debug, Clone, Args)]
pub struct Conn {
    /// Gateway base URL (else `url` of the config file, else http://127.0.0.1:8080).
    #[arg(long, env = "SPOT_URL", global = true)]
    pub url: Option<String>,
    /// Bearer token (else `token` of the config file; admin commands also read SPOT_ADMIN_TOKEN).
    #[arg(long, env = "SPOT_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Config file (TOML with `url` and `token`); default ~/.config/spotctl/config.toml.
    #[arg(long, global = true)]
    pub config: Option<std::path::PathBuf>,
    /// Print the API's JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

/// Paging flags.
#[derive(Debug, Clone, Default, Args)]
pub struct Paging {
    #[arg(long)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[arg(long)]
    pub cursor: Option<String>,
}

impl Paging {
    fn query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        if let Some(l) = self.limit {
            q.push(("limit".to_owned(), l.to_string()));
        }
        if let Some(c) = &self.cursor {
            q.push(("cursor".to_owned(), c.clone()));
        }
        q
    }

    /// The same, for lists whose cursor parameter is called `after`.
    fn after_query(&self) -> Vec<(String, String)> {
        self.query().into_iter().map(|(k, v)| (if k == "cursor" { "after".into() } else { k }, v)).collect()
    }
}

#[derive(Debug, Subcommand)]
pub enum TenantsCmd {
    /// Tenants, newest first.
    List {
        /// Name or email contains.
        #[arg(long)]
        q: Option<String>,
        #[command(flatten)]
        paging: Paging,
    },
    Get {
        id: String,
    },
    Suspend {
        id: String,
    },
    Resume {
        id: String,
    },
    /// Delete (tombstone; every token revoked).
    Delete {
        id: String,
    },
    /// Fleet size, online share, switches, savings, growth.
    Stats {
        id: String,
        #[arg(long)]
        days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCmd {
    List {
        tenant: String,
    },
    /// Mint a named token; the secret is printed once.
    Create {
        tenant: String,
        #[arg(long)]
        name: String,
    },
    Regenerate {
        tenant: String,
        token: String,
    },
    Revoke {
        tenant: String,
        token: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AgentsCmd {
    List {
        #[command(flatten)]
        paging: Paging,
    },
    Get {
        id: String,
    },
    Enable {
        id: String,
    },
    Disable {
        id: String,
    },
    /// Registrations, transitions and switches of the agent's group.
    History {
        id: String,
        #[command(flatten)]
        paging: Paging,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReplicasCmd {
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Terminate a replica.
    Delete { agent: String, replica: String },
}

#[derive(Debug, Subcommand)]
pub enum SwitchesCmd {
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// Every switch as CSV.
    Export,
    /// Downtime count, avg, p50, p95, max over a window.
    Downtime {
        #[arg(long, default_value = "24h")]
        window: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NoticesCmd {
    /// The tenant's notices, newest first, with notice -> action latency.
    List {
        #[command(flatten)]
        paging: Paging,
    },
    /// The agent's Spot interruption notices and emergency state.
    Status { agent: String },
}

/// The operator commands, flattened into `spotctl`'s own.
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Tenants (admin token).
    Tenants {
        #[command(subcommand)]
        command: TenantsCmd,
        #[command(flatten)]
        conn: Conn,
    },
    /// A tenant's API tokens (admin token).
    Tokens {
        #[command(subcommand)]
        command: TokensCmd,
        #[command(flatten)]
        conn: Conn,
    },
    /// Agents of the token's tenant.
    Agents {
        #[command(subcommand)]
        command: AgentsCmd,
        #[command(flatten)]
        conn: Conn,
    },
    /// Replicas of the token's tenant.
    Replicas {
        #[command(subcommand)]
        command: ReplicasCmd,
        #[command(flatten)]
        conn: Conn,
    },
    /// Switch history and downtime.
    Switches {
        #[command(subcommand)]
        command: SwitchesCmd,
        #[command(flatten)]
        conn: Conn,
    },
    /// Spot interruption notices.
    Notices {
        #[command(subcommand)]
        command: NoticesCmd,
        #[command(flatten)]
        conn: Conn,
    },
    /// Instances agents monitor that were never registered (inventory reconciliation).
    UnknownInstances {
        /// Only this group.
        #[arg(long)]
        group: Option<String>,
        #[command(flatten)]
        list: ScopedList,
    },
    /// Replica cost per day and savings net of it.
    ReplicaCosts {
        /// First day (YYYY-MM-DD, inclusive).
        #[arg(long)]
        from: Option<String>,
        /// Last day (YYYY-MM-DD, exclusive).
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        list: ScopedList,
    },
}

/// `--client`: with the admin token, one tenant's rows (default: every tenant's).
#[derive(Debug, Clone, Default, Args)]
pub struct AdminScope {
    #[arg(long)]
    pub client: Option<String>,
}

/// The flags of a listing an admin may narrow to one tenant.
#[derive(Debug, Clone, Args)]
pub struct ScopedList {
    #[command(flatten)]
    pub scope: AdminScope,
    #[command(flatten)]
    pub paging: Paging,
    #[command(flatten)]
    pub conn: Conn,
}

/// `(name, value)` pairs of the options that are set.
fn options<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a Option<String>)>) -> Vec<(String, String)> {
    pairs.into_iter().filter_map(|(k, v)| v.as_ref().map(|v| (k.to_owned(), v.clone()))).collect()
}

/// How an answer is printed as a table.
enum Shape {
    /// `{"items": [...]}` with these columns, and the next cursor.
    Page(&'static [&'static str]),
    /// One object as `key value` lines.
    Object,
    /// The body as is (CSV).
    Raw,
}

struct Call {
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    shape: Shape,
    admin: bool,
}

fn get(path: String, query: Vec<(String, String)>, shape: Shape) -> Call {
    Call { method: "GET", path, query, body: None, shape, admin: false }
}

fn post(path: String, body: Option<Value>) -> Call {
    Call { method: "POST", path, query: Vec::new(), body, shape: Shape::Object, admin: false }
}

fn seg(raw: &str) -> String {
    // Ids travel in the path: keep them to one segment.
    raw.trim().replace(['/', '?', '#'], "")
}

const TENANT_COLUMNS: &[&str] = &["id", "name", "email", "status", "live_tokens", "agents", "created_at"];
const AGENT_COLUMNS: &[&str] =
    &["id", "logical_agent_id", "instance_id", "instance_type", "az", "status", "role"];
const REPLICA_COLUMNS: &[&str] =
    &["id", "agent_id", "instance_id", "replica_type", "status", "pool_id", "created_at"];
const SWITCH_COLUMNS: &[&str] =
    &["id", "created_at", "trigger", "old_instance_id", "new_instance_id", "downtime_seconds"];
const NOTICE_COLUMNS: &[&str] =
    &["id", "agent_id", "kind", "status", "action", "received_at", "notice_to_action_ms"];
const HISTORY_COLUMNS: &[&str] = &["kind", "agent_id", "actor"];
const UNKNOWN_INSTANCE_COLUMNS: &[&str] =
    &["instance_id", "logical_agent_id", "group_id", "client_id", "first_seen", "last_seen"];
const REPLICA_COST_COLUMNS: &[&str] =
    &["day", "client_id", "replica_hours", "replica_cost", "savings", "net_savings"];
const TOKEN_COLUMNS: &[&str] = &["id", "name", "token_prefix", "created_at", "last_used_at", "revoked_at"];

fn page(path: &str, query: Vec<(String, String)>, columns: &'static [&'static str]) -> Call {
    get(path.to_owned(), query, Shape::Page(columns))
}

fn object(path: String) -> Call {
    get(path, vec![], Shape::Object)
}

fn delete(path: String) -> Call {
    Call { method: "DELETE", ..object(path) }
}

fn tenants(command: &TenantsCmd) -> Call {
    let t = |id: &str| format!("/api/admin/tenants/{}", seg(id));
    match command {
        TenantsCmd::List { q, paging } => {
            let mut query = paging.query();
            query.extend(q.iter().map(|q| ("q".to_owned(), q.clone())));
            page("/api/admin/tenants", query, TENANT_COLUMNS)
        }
        TenantsCmd::Get { id } => object(t(id)),
        TenantsCmd::Suspend { id } => post(format!("{}/suspend", t(id)), None),
        TenantsCmd::Resume { id } => post(format!("{}/resume", t(id)), None),
        TenantsCmd::Delete { id } => delete(t(id)),
        TenantsCmd::Stats { id, days } => {
            let query = days.iter().map(|d| ("days".to_owned(), d.to_string())).collect();
            get(format!("{}/stats", t(id)), query, Shape::Object)
        }
    }
}

fn tokens(command: &TokensCmd) -> Call {
    let t = |id: &str| format!("/api/admin/tenants/{}/tokens", seg(id));
    match command {
        TokensCmd::List { tenant } => get(t(tenant), vec![], Shape::Page(TOKEN_COLUMNS)),
        TokensCmd::Create { tenant, name } => post(t(tenant), Some(json!({"name": name}))),
        TokensCmd::Regenerate { tenant, token } => {
            post(format!("{}/{}/regenerate", t(tenant), seg(token)), None)
        }
        TokensCmd::Revoke { tenant, token } => post(format!("{}/{}/revoke", t(tenant), seg(token)), None),
    }
}

fn agents(command: &AgentsCmd) -> Call {
    let a = |id: &str| format!("/api/agents/{}", seg(id));
    match command {
        AgentsCmd::List { paging } => page("/api/agents", paging.after_query(), AGENT_COLUMNS),
        AgentsCmd::Get { id } => object(a(id)),
        AgentsCmd::Enable { id } => post(format!("{}/enable", a(id)), None),
        AgentsCmd::Disable { id } => post(format!("{}/disable", a(id)), None),
        AgentsCmd::History { id, paging } => {
            get(format!("{}/history", a(id)), paging.query(), Shape::Page(HISTORY_COLUMNS))
        }
    }
}

fn replicas(command: &ReplicasCmd) -> Call {
    match command {
        ReplicasCmd::List { paging } => page("/api/replicas", paging.after_query(), REPLICA_COLUMNS),
        ReplicasCmd::Delete { agent, replica } => {
            delete(format!("/api/agents/{}/replicas/{}", seg(agent), seg(replica)))
        }
    }
}

fn switches(command: &SwitchesCmd) -> Call {
    match command {
        SwitchesCmd::List { paging } => page("/api/analytics/switches", paging.query(), SWITCH_COLUMNS),
        SwitchesCmd::Export => {
            get("/api/analytics/switches".into(), vec![("format".into(), "csv".into())], Shape::Raw)
        }
        SwitchesCmd::Downtime { window } => {
            get("/api/analytics/downtime".into(), vec![("window".into(), window.clone())], Shape::Object)
        }
    }
}

fn notices(command: &NoticesCmd) -> Call {
    match command {
        NoticesCmd::Status { agent } => object(format!("/api/agents/{}/emergency-status", seg(agent))),
        NoticesCmd::List { paging } => {
            page("/api/analytics/emergency-events", paging.query(), NOTICE_COLUMNS)
        }
    }
}

/// A listing that admins may narrow to one tenant (`--client`); `filters`
/// go before the tenant in the query.
fn scoped<'a>(
    path: &str,
    filters: impl IntoIterator<Item = (&'a str, &'a Option<String>)>,
    list: &'a ScopedList,
    columns: &'static [&'static str],
) -> (Call, &'a Conn) {
    let mut query = list.paging.query();
    query.extend(options(filters.into_iter().chain([("client_id", &list.scope.client)])));
    (Call { admin: list.scope.client.is_some(), ..page(path, query, columns) }, &list.conn)
}

fn plan(command: &OperatorCommand) -> (Call, &Conn) {
    use OperatorCommand as O;
    match command {
        O::Tenants { command, conn } => (Call { admin: true, ..tenants(command) }, conn),
        O::Tokens { command, conn } => (Call { admin: true, ..tokens(command) }, conn),
        O::Agents { command, conn } => (agents(command), conn),
        O::Replicas { command, conn } => (replicas(command), conn),
        O::Switches { command, conn } => (switches(command), conn),
        O::Notices { command, conn } => (notices(command), conn),
        O::UnknownInstances { group, list } => {
            scoped("/api/unknown-instances", [("group_id", group)], list, UNKNOWN_INSTANCE_COLUMNS)
        }
        O::ReplicaCosts { from, to, list } => {
            scoped("/api/analytics/replica-costs", [("from", from), ("to", to)], list, REPLICA_COST_COLUMNS)
        }
    }
}

fn encode(query: &[(String, String)]) -> String {
    if query.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = query
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    other => format!("%{other:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect();
    format!("?{}", pairs.join("&"))
}

/// Runs one command; returns what to print.
pub async fn run(command: &OperatorCommand) -> Result<String, CliError> {
    let (call, conn) = plan(command);
    let config = match conn.config.clone().or_else(client::default_config_path) {
        Some(path) => client::read_config(&path)?,
        None => client::ConfigFile::default(),
    };
    let token =
        conn.token.clone().or_else(|| call.admin.then(|| std::env::var("SPOT_ADMIN_TOKEN").ok()).flatten());
    let target = Target::resolve(conn.url.clone(), token, &config)?;
    let answer =
        target.call(call.method, &format!("{}{}", call.path, encode(&call.query)), call.body).await?;
    if conn.json || matches!(call.shape, Shape::Raw) {
        return Ok(if answer.text.ends_with('\n') { answer.text } else { format!("{}\n", answer.text) });
    }
    let json = answer.json();
    Ok(match call.shape {
        Shape::Page(columns) => {
            let items = json["items"].as_array().cloned().unwrap_or_default();
            let mut out = table::render(&items, columns);
            if let Some(next) = json["next_cursor"].as_str() {
                out.push_str(&format!("(more: --cursor {next})\n"));
            }
            out
        }
        Shape::Object | Shape::Raw => table::render_object(&json),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_percent_encoded() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[("q".into(), "a b&c".into())]), "?q=a%20b%26c");
    }

    #[test]
    fn ids_stay_one_path_segment() {
        assert_eq!(seg(" ../x?y "), "..xy");
    }
}
