//! A switch as v4 runs it: optional image, launch, wait for the new
//! instance, move traffic (2 s), terminate the old one (if auto-terminate),
//! send the switch report with the timings, then mark the command executed.
//! A failed switch sends no report, only `executed` with `success: false`.

use super::call::{Answer, Call, Endpoint, Purpose};
use super::env::{AgentEvent, Env};
use super::v4;
use super::wire::{SwitchInstance, SwitchPrices, SwitchReport, SwitchSnapshot, SwitchTiming};
use super::wire_time::zulu;
use crate::clock::SimTime;
use crate::cloud::{Cloud, Instance, InstanceState, LaunchRequest, Market, PoolId};
use std::time::Duration;

/// v4 sleeps this long at the "traffic switch point".
const TRAFFIC_SWITCH: Duration = Duration::from_secs(2);
/// The EC2 call to launch takes a moment.
const LAUNCH_CALL: Duration = Duration::from_millis(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Launch,
    Booting,
    Traffic,
    Terminate,
    Report,
    AwaitReport,
    Execute,
    AwaitExecuted,
    Done,
}

/// What the switch is asked to do.
#[derive(Debug, Clone)]
pub(crate) struct SwitchPlan {
    pub command_id: Option<String>,
    pub trigger: &'static str,
    pub target_mode: String,
    pub target_pool: Option<PoolId>,
    pub market: Market,
    pub az: String,
    pub auto_terminate: bool,
}

/// A switch in progress.
#[derive(Debug)]
pub(crate) struct SwitchOp {
    plan: SwitchPlan,
    stage: Stage,
    wake: SimTime,
    success: bool,
    initiated: SimTime,
    image: Option<(String, String, SimTime)>,
    launched: Option<SimTime>,
    new: Option<Instance>,
    ready: Option<SimTime>,
    traffic: Option<SimTime>,
    old_terminated: Option<SimTime>,
    old_spot: Option<f64>,
}

impl SwitchOp {
    /// Starts a switch at `now` (taking an image first if the dice say so).
    pub fn start(plan: SwitchPlan, now: SimTime, cloud: &mut Cloud, env: &mut Env) -> Self {
        let old_spot = env.facts.pool_id().and_then(|p| cloud.spot_price(&p));
        let mut image = None;
        let mut wake = now + LAUNCH_CALL;
        if env.rng.chance(env.behaviour.snapshot_on_switch)
            && let Ok((ami, ready)) = cloud.create_image(&env.facts.instance_id, now)
        {
            let stamp = env.utc(now).format("%Y%m%d-%H%M%S");
            image = Some((ami, format!("SpotOptimizer-{}-{stamp}", env.facts.instance_id), ready));
            wake = ready + LAUNCH_CALL;
        }
        SwitchOp {
            plan,
            stage: Stage::Launch,
            wake,
            success: false,
            initiated: now,
            image,
            launched: None,
            new: None,
            ready: None,
            traffic: None,
            old_terminated: None,
            old_spot,
        }
    }

    /// When the switch next needs the agent (`None` while awaiting an answer or done).
    pub fn wake(&self) -> Option<SimTime> {
        matches!(self.stage, Stage::Launch | Stage::Booting | Stage::Traffic | Stage::Terminate)
            .then_some(self.wake)
    }

    /// True once finished; `Some(true)` if it succeeded.
    pub fn finished(&self) -> Option<bool> {
        (self.stage == Stage::Done).then_some(self.success)
    }

    /// Whether the agent terminated its own instance as part of this switch.
    pub fn terminated_old(&self) -> bool {
        self.old_terminated.is_some()
    }

    /// Whether the old instance is terminated on success.
    pub fn auto_terminate(&self) -> bool {
        self.plan.auto_terminate
    }

    /// Runs every stage due at `now`; returns calls to make.
    pub fn poll(&mut self, now: SimTime, cloud: &mut Cloud, env: &mut Env) -> Vec<Call> {
        loop {
            if self.wake().is_some_and(|w| now < w) {
                return Vec::new();
            }
            match self.stage {
                Stage::Launch => self.launch(now, cloud, env),
                Stage::Booting => self.check_boot(now, cloud, env),
                Stage::Traffic => {
                    self.traffic = Some(now);
                    self.stage = if self.plan.auto_terminate { Stage::Terminate } else { Stage::Report };
                    self.wake = now + env.behaviour.terminate_takes;
                }
                Stage::Terminate => {
                    self.old_terminated = cloud.terminate(&env.facts.instance_id, now).ok();
                    self.stage = Stage::Report;
                }
                Stage::Report => {
                    self.stage = Stage::AwaitReport;
                    let call = v4::switch_report(&env.agent_id, &self.report(cloud, env));
                    return vec![call.for_purpose(Purpose::Command)];
                }
                Stage::Execute => {
                    env.events.push(if self.success {
                        AgentEvent::SwitchCompleted
                    } else {
                        AgentEvent::SwitchFailed
                    });
                    let Some(id) = self.plan.command_id.as_deref() else {
                        self.stage = Stage::Done;
                        return Vec::new();
                    };
                    self.stage = Stage::AwaitExecuted;
                    let message = if self.success { "Switch completed" } else { "Switch failed" };
                    return vec![
                        v4::executed(&env.agent_id, id, self.success, message).for_purpose(Purpose::Command),
                    ];
                }
                Stage::AwaitReport | Stage::AwaitExecuted | Stage::Done => return Vec::new(),
            }
        }
    }

    /// Feeds an answer; the report's outcome does not matter to v4.
    pub fn on_answer(
        &mut self,
        call: &Call,
        _answer: &Answer,
        now: SimTime,
        cloud: &mut Cloud,
        env: &mut Env,
    ) -> Vec<Call> {
        match (call.endpoint, self.stage) {
            (Endpoint::SwitchReport, Stage::AwaitReport) => {
                self.success = true;
                self.stage = Stage::Execute;
                self.poll(now, cloud, env)
            }
            (Endpoint::CommandExecuted, Stage::AwaitExecuted) => {
                self.stage = Stage::Done;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn fail(&mut self) {
        self.success = false;
        self.stage = Stage::Execute;
    }

    fn launch(&mut self, now: SimTime, cloud: &mut Cloud, env: &mut Env) {
        let req = LaunchRequest {
            key: env.next_key(),
            instance_type: env.facts.instance_type.clone(),
            az: self.plan.az.clone(),
            market: self.plan.market,
            ami_id: Some(self.image.as_ref().map_or_else(|| env.facts.ami_id.clone(), |i| i.0.clone())),
        };
        match cloud.launch(&req, now) {
            Ok(inst) => {
                self.launched = Some(now);
                self.wake = inst.ready_at;
                self.new = Some(inst);
                self.stage = Stage::Booting;
            }
            Err(_) => self.fail(),
        }
    }

    fn check_boot(&mut self, now: SimTime, cloud: &mut Cloud, env: &mut Env) {
        let Some(new) = self.new.as_ref() else { return self.fail() };
        match cloud.instance(&new.id).map(|i| (i.state, i.ready_at)) {
            Some((InstanceState::Running, _)) => {
                env.spawn(new, now);
                self.ready = Some(now);
                self.stage = Stage::Traffic;
                self.wake = now + TRAFFIC_SWITCH;
            }
            Some((InstanceState::Pending, ready_at)) => self.wake = ready_at.max(now + LAUNCH_CALL),
            _ => self.fail(),
        }
    }

    fn report(&self, cloud: &Cloud, env: &Env) -> SwitchReport {
        let facts = &env.facts;
        let at = |t: Option<SimTime>| t.map(|t| zulu(env.utc(t)));
        let new_az = self.new.as_ref().map_or_else(|| self.plan.az.clone(), |n| n.az.clone());
        let spot_target = self.plan.target_mode == Market::Spot.as_str();
        SwitchReport {
            old_instance: SwitchInstance {
                instance_id: facts.instance_id.clone(),
                instance_type: facts.instance_type.clone(),
                region: facts.region.clone(),
                az: facts.az.clone(),
                ami_id: facts.ami_id.clone(),
                mode: facts.market.as_str().to_owned(),
                pool_id: facts.pool_id().map(|p| p.to_string()),
            },
            new_instance: SwitchInstance {
                instance_id: self.new.as_ref().map(|n| n.id.clone()).unwrap_or_default(),
                instance_type: facts.instance_type.clone(),
                region: facts.region.clone(),
                az: new_az.clone(),
                ami_id: self.new.as_ref().map_or_else(|| facts.ami_id.clone(), |n| n.ami_id.clone()),
                // v4 reports the command's target, verbatim.
                mode: self.plan.target_mode.clone(),
                pool_id: self.plan.target_pool.as_ref().map(ToString::to_string),
            },
            snapshot: SwitchSnapshot {
                used: self.image.is_some(),
                ami_id: self.image.as_ref().map(|i| i.0.clone()),
                ami_name: self.image.as_ref().map(|i| i.1.clone()),
            },
            prices: SwitchPrices {
                on_demand: cloud.on_demand_price(&facts.instance_type).unwrap_or(0.1),
                old_spot: self.old_spot,
                new_spot: spot_target
                    .then(|| cloud.spot_price(&PoolId::new(&facts.instance_type, &new_az)))
                    .flatten(),
            },
            timing: SwitchTiming {
                switch_initiated_at: at(Some(self.initiated)),
                snapshot_created_at: None,
                ami_created_at: at(self.image.as_ref().map(|i| i.2)),
                new_instance_launched_at: at(self.launched),
                new_instance_ready_at: at(self.ready),
                traffic_switched_at: at(self.traffic),
                old_instance_terminated_at: at(self.old_terminated),
            },
            trigger: self.plan.trigger.to_owned(),
        }
    }
}
