//! The choice [`RiskAware`] makes among staying, switching pool, keeping a
//! replica and on-demand, from the pools it scored (see policy.rs).

use super::input::DecisionInput;
use super::market::MarketMemory;
use super::output::{Action, Target, TargetMode};
use super::policy::{GroupState, Plan, PoolScore, RiskAware, different_az, output, spot};

/// One way to run the group.
#[derive(Debug, Clone)]
pub(super) struct Option_<'a> {
    primary: Option<&'a PoolScore>,
    replica: Option<&'a PoolScore>,
    cost: f64,
    downtime: f64,
}

impl Option_<'_> {
    fn primary_id(&self) -> Option<&str> {
        self.primary.map(|p| p.pool_id.as_str())
    }

    fn label(&self) -> String {
        match (self.primary, self.replica) {
            (None, _) => "on-demand".into(),
            (Some(p), None) => p.pool_id.clone(),
            (Some(p), Some(r)) => format!("{} with a replica in {}", p.pool_id, r.pool_id),
        }
    }
}

struct Ctx<'a> {
    unprepared: f64,
    pause: f64,
    /// Hours a lost replica takes to come back (boot plus one evaluation).
    replica_gap: f64,
    scores: &'a [PoolScore],
}

impl<'a> Ctx<'a> {
    fn single(&self, p: &'a PoolScore) -> Option_<'a> {
        Option_ {
            primary: Some(p),
            replica: None,
            cost: p.expected_cost,
            downtime: p.interruptions_per_hour * self.unprepared,
        }
    }

    /// The replica takes over at the primary's interruption, so the
    /// primary's detour is paid only when the replica itself is missing;
    /// the replica's own interruptions cost a new replica's boot.
    fn pair(&self, p: &'a PoolScore, r: &'a PoolScore) -> Option_<'a> {
        let replica_missing = (r.interruptions_per_hour * self.replica_gap).min(1.0);
        Option_ {
            primary: Some(p),
            replica: Some(r),
            cost: p.base_cost + replica_missing * p.detour_cost + r.base_cost,
            downtime: p.interruptions_per_hour * (self.pause + replica_missing * self.unprepared),
        }
    }

    /// The cheapest replica partner of `p` (another AZ, eligible).
    fn best_pair(&self, p: &'a PoolScore) -> Option<Option_<'a>> {
        self.scores
            .iter()
            .filter(|r| r.eligible && different_az(&r.pool_id, &p.pool_id))
            .map(|r| self.pair(p, r))
            .min_by(|a, b| a.downtime.total_cmp(&b.downtime).then(a.cost.total_cmp(&b.cost)))
            .filter(|o| o.cost.is_finite())
    }
}

/// What downtime an option may plan for. `paced` is the availability
/// budget paced over the look-ahead ([`RiskAware::budget`]): it shrinks to
/// zero when the group overspent. `protected` is the long-run rate
/// `budget_share x (1 - target)`: a placement with a ready replica that
/// fits it stays acceptable even when the paced budget is spent, because
/// an overspent group recovers its budget more cheaply with a replica
/// (the promotion pause only) than on on-demand (the full price, and two
/// switches of the weekly cap for the trip there and back).
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    pub paced: f64,
    pub protected: f64,
}

impl Budget {
    pub(super) fn fits(&self, o: &Option_<'_>) -> bool {
        o.downtime <= self.paced || (o.replica.is_some() && o.downtime <= self.protected)
    }
}

fn cheapest<'a>(options: impl Iterator<Item = Option_<'a>>, budget: Budget) -> Option<Option_<'a>> {
    options.filter(|o| budget.fits(o)).min_by(|a, b| a.cost.total_cmp(&b.cost))
}

pub(super) fn plan(
    policy: &RiskAware,
    input: &DecisionInput,
    memory: &MarketMemory,
    scores: &[PoolScore],
    group: &GroupState<'_>,
) -> Plan {
    let replica = group.replica;
    let p = &policy.params;
    let target_pct = input.settings.availability_target_percent;
    let budget =
        Budget { paced: policy.budget(target_pct, group), protected: policy.protected_budget(target_pct) };
    let boot_h = memory.boot_seconds().unwrap_or(p.assumed_boot_seconds) / 3600.0;
    let ctx = Ctx {
        unprepared: policy.unprepared_downtime_hours(memory),
        pause: p.pause_seconds / 3600.0,
        replica_gap: boot_h + 0.1,
        scores,
    };
    let on_demand = Option_ { primary: None, replica: None, cost: input.on_demand_price, downtime: 0.0 };
    let eligible = || scores.iter().filter(|s| s.eligible);
    let cap = u32::try_from(input.settings.max_switches_per_week.max(0)).unwrap_or(0);
    // On-demand "for a while" is a round trip: one switch there, one back.
    // Without both under the weekly cap the group would sit on on-demand
    // until the week rolls over; it keeps its best protected spot
    // placement instead.
    let round_trip = input.history.switches_last_week + 2 <= cap;
    let spot_options =
        || eligible().map(|s| ctx.single(s)).chain(eligible().filter_map(|s| ctx.best_pair(s)));
    let best = cheapest(spot_options(), budget)
        .filter(|o| o.cost < on_demand.cost)
        .or_else(|| {
            let stuck = !round_trip && !input.instance.on_demand();
            // As safe as it gets; at equal downtime around the current
            // primary (a replica costs no switch), then the cheapest.
            let here = input.instance.pool_id.as_deref();
            let moves = |o: &Option_<'_>| o.primary_id() != here;
            let safest = || {
                spot_options()
                    .min_by(|a, b| {
                        a.downtime
                            .total_cmp(&b.downtime)
                            .then(moves(a).cmp(&moves(b)))
                            .then(a.cost.total_cmp(&b.cost))
                    })
                    .filter(|o| o.cost < on_demand.cost)
            };
            if stuck { safest() } else { None }
        })
        .unwrap_or_else(|| on_demand.clone());
    let alternatives: Vec<String> = eligible().take(4).map(|s| s.pool_id.clone()).collect();
    // Confidence grows with the evidence: hours the memory watched, or the
    // share of agent-reported points behind the cheapest pool's price.
    let evidence = (memory.exposure_hours(input.now) / 72.0).min(1.0);
    let quality = eligible().next().map_or(0.0, |s| s.agent_share);
    let confidence = 0.5 + 0.5 * evidence.max(quality);

    let current_pool = if input.instance.on_demand() { None } else { input.instance.pool_id.as_deref() };
    let current_score = current_pool.and_then(|c| scores.iter().find(|s| s.pool_id == c));
    let replica_score = replica.and_then(|r| scores.iter().find(|s| s.pool_id == r && s.eligible));
    let finish = |mut out: super::output::DecisionOutput, replica: Option<&str>| {
        out.alternatives = alternatives.clone();
        Plan { output: out, replica: replica.map(str::to_owned) }
    };

    let current = match (current_pool, current_score) {
        (Some(c), None) => {
            let out = output(
                Action::NoAction,
                None,
                0.0,
                format!("no consolidated price for the current pool {c}"),
                0.0,
            );
            return finish(out, replica);
        }
        (None, _) => on_demand.clone(),
        (Some(_), Some(cur)) => match replica_score.filter(|r| different_az(&r.pool_id, &cur.pool_id)) {
            Some(r) => ctx.pair(cur, r),
            None => ctx.single(cur),
        },
    };
    // Pricing's `avoid` forbids going to a pool, not staying in one whose
    // learned downtime fits the budget (fleeing to on-demand costs money).
    let current_ok = current.primary.is_none_or(|c| !c.out) && budget.fits(&current);
    let for_money_allowed = input.history.switches_last_week + p.reserved_switches < cap;
    // A move for money from spot needs a switch to spare; leaving
    // on-demand is what the reserve is for.
    let required = if for_money_allowed || current.primary.is_none() {
        input.settings.min_savings_percent + p.hysteresis_percent
    } else {
        f64::INFINITY
    };
    let saving_pct = (current.cost - best.cost) / current.cost * 100.0;
    let same_primary = best.primary_id() == current.primary_id();

    // Cheaper arrangements around the same primary: drop a replica that is
    // no longer needed (with margin), or add one when the pool alone would
    // overspend the budget.
    if let Some(cur) = current.primary.filter(|c| !c.out) {
        let alone = ctx.single(cur);
        if current.replica.is_some() && alone.downtime <= 0.5 * budget.paced && (current_ok || same_primary) {
            let out = output(
                Action::Stay,
                None,
                confidence,
                format!(
                    "{} alone expects {:.1} s/h of downtime; replica released",
                    cur.pool_id,
                    alone.downtime * 3600.0
                ),
                current.cost - alone.cost,
            );
            if !same_primary && saving_pct >= required && budget.fits(&best) {
                let reason = format!("{saving_pct:.1}% cheaper (>= {required:.1}%)");
                return switch_to(&best, &current, &reason, confidence, finish);
            }
            return finish(out, None);
        }
        if !current_ok
            && current.replica.is_none()
            && let Some(pair) = ctx.best_pair(cur).filter(|o| budget.fits(o) && o.cost < on_demand.cost)
        {
            {
                // Keeping the pool with a replica beats moving unless the
                // move is cheaper by the hysteresis.
                let move_pct = (pair.cost - best.cost) / pair.cost * 100.0;
                if same_primary || move_pct < required {
                    let r = pair.replica.map_or("", |r| r.pool_id.as_str());
                    let out = output(
                        Action::CreateReplica,
                        spot(r),
                        confidence,
                        format!(
                            "{} expects {:.1} s/h of downtime alone, over the {target_pct}% budget; replica in {r}",
                            cur.pool_id,
                            alone.downtime * 3600.0
                        ),
                        0.0,
                    );
                    return finish(out, Some(r));
                }
            }
        }
    }
    if !same_primary && (!current_ok || saving_pct >= required) {
        let reason = match current.primary {
            Some(c)
                if !c.eligible
                    && input
                        .candidate(&c.pool_id)
                        .is_some_and(|w| w.risk == super::input::RiskLevel::Avoid) =>
            {
                format!("current pool {} is marked avoid", c.pool_id)
            }
            Some(c) if !c.eligible => format!("current pool {} is out of capacity", c.pool_id),
            _ if !current_ok => format!("current placement is over the {target_pct}% downtime budget"),
            _ => format!("{saving_pct:.1}% cheaper (>= {required:.1}%)"),
        };
        return switch_to(&best, &current, &reason, confidence, finish);
    }
    if same_primary && best.replica.is_some() && current.replica.is_none() {
        let r = best.replica.map_or("", |r| r.pool_id.as_str());
        let out = output(
            Action::CreateReplica,
            spot(r),
            confidence,
            format!("keeping a replica in {r} for the {target_pct}% target"),
            0.0,
        );
        return finish(out, Some(r));
    }
    let kept = current.replica.map(|r| r.pool_id.as_str());
    let out = output(
        Action::Stay,
        None,
        0.9,
        format!(
            "{} is feasible; best alternative {} saves {saving_pct:.1}%, below the {required:.1}% needed to move",
            current.label(),
            best.label()
        ),
        0.0,
    );
    finish(out, kept)
}

fn switch_to<F>(best: &Option_<'_>, current: &Option_<'_>, reason: &str, confidence: f64, finish: F) -> Plan
where
    F: Fn(super::output::DecisionOutput, Option<&str>) -> Plan,
{
    let why = format!(
        "{reason}: {} ({:.4}/h, {:.1} s/h downtime) -> {} ({:.4}/h, {:.1} s/h)",
        current.label(),
        current.cost,
        current.downtime * 3600.0,
        best.label(),
        best.cost,
        best.downtime * 3600.0
    );
    let saving = current.cost - best.cost;
    match best.primary {
        None if current.primary.is_none() => finish(
            output(
                Action::Stay,
                None,
                0.9,
                format!("no feasible spot option; staying on-demand ({why})"),
                0.0,
            ),
            None,
        ),
        None => finish(
            output(
                Action::Switch,
                Some(Target { mode: TargetMode::Ondemand, pool_id: None }),
                confidence.max(0.8),
                format!("no feasible spot option: on-demand for a while; {why}"),
                saving,
            ),
            None,
        ),
        Some(p) => finish(
            output(Action::Switch, spot(&p.pool_id), confidence, why, saving),
            best.replica.map(|r| r.pool_id.as_str()),
        ),
    }
}
