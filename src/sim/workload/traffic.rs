//! Input traffic: the record rate over time as a base rate times a profile (constant, steps, a
//! daily cycle, a replayed series, an on/off duty cycle) times random bursts. The rate is
//! piecewise constant between change points, which the simulation schedules as events.

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use crate::sim::rng::ComponentRng;

/// Shape of the record rate over time (a multiplier of the base rate).
#[derive(Clone, Debug, PartialEq)]
pub enum RateProfile {
    /// Always the base rate.
    Constant,
    /// The multiplier changes at the given times: `(at_s, multiplier)`, sorted by time; before the
    /// first step the multiplier is 1.
    Steps(Vec<(f64, f64)>),
    /// A daily cycle: the multiplier follows a cosine between `trough` (at `peak_s` + 12 h) and 1
    /// (at `peak_s`, seconds into each day), updated every `resolution_s`.
    Daily {
        /// Time of day of the peak, seconds after midnight (the run starts at midnight).
        peak_s: f64,
        /// Multiplier at the trough (0..1).
        trough: f64,
        /// How often the piecewise-constant rate is updated, seconds.
        resolution_s: f64,
    },
    /// A measured series `(t_s, multiplier)` interpolated linearly, updated every `resolution_s`;
    /// after its end it is held at its last value, or starts over when `period_s` is set.
    Replay {
        /// Points sorted by time.
        points: Vec<(f64, f64)>,
        /// Update interval, seconds.
        resolution_s: f64,
        /// Replay the series again every this many seconds (`None`: play it once).
        period_s: Option<f64>,
    },
    /// On for the first `on_fraction` of every `period_s`, off for the rest. Unlike a profile that
    /// merely drops to zero, the application itself is paused while off: it does no work, not even
    /// a backlog (a batch driver that sleeps between bursts).
    DutyCycle {
        /// Period, seconds.
        period_s: f64,
        /// Fraction of each period that is on (0..1].
        on_fraction: f64,
    },
}

/// Random bursts on top of the profile: bursts arrive as a Poisson process and multiply the rate
/// for an exponentially distributed time.
#[derive(Clone, Debug, PartialEq)]
pub struct Bursts {
    /// Mean time between burst starts, seconds.
    pub mean_interval_s: f64,
    /// Mean burst length, seconds.
    pub mean_duration_s: f64,
    /// Rate multiplier during a burst.
    pub multiplier: f64,
}

/// Traffic description.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficSpec {
    /// Base rate, records per second.
    pub base_records_per_s: f64,
    /// Profile over time.
    pub profile: RateProfile,
    /// Optional random bursts.
    pub bursts: Option<Bursts>,
}

/// Running traffic: the current rate and when it next changes.
#[derive(Clone, Debug)]
pub struct Traffic {
    spec: TrafficSpec,
    rng: ComponentRng,
    burst_until: f64,
    next_burst: f64,
}

const DAY_S: f64 = 86_400.0;
/// Times closer than this to a profile edge count as on it, seconds (absorbs float rounding).
const EDGE_EPS: f64 = 1e-9;

impl Traffic {
    /// Starts the traffic at time 0 with its random stream.
    pub fn new(spec: TrafficSpec, mut rng: ComponentRng) -> Traffic {
        let next_burst = match &spec.bursts {
            Some(b) if b.mean_interval_s > 0.0 => draw_exp(&mut rng, b.mean_interval_s),
            _ => f64::INFINITY,
        };
        Traffic {
            spec,
            rng,
            burst_until: f64::NEG_INFINITY,
            next_burst,
        }
    }

    /// The description.
    pub fn spec(&self) -> &TrafficSpec {
        &self.spec
    }

    fn profile_multiplier(&self, t: f64) -> f64 {
        match &self.spec.profile {
            RateProfile::Constant => 1.0,
            RateProfile::Steps(steps) => steps
                .iter()
                .take_while(|(at, _)| *at <= t)
                .last()
                .map(|(_, m)| *m)
                .unwrap_or(1.0),
            RateProfile::Daily {
                peak_s,
                trough,
                resolution_s,
            } => {
                let tq = quantize(t, *resolution_s);
                let phase = 2.0 * std::f64::consts::PI * (tq - peak_s) / DAY_S;
                trough + (1.0 - trough) * 0.5 * (1.0 + phase.cos())
            }
            RateProfile::Replay {
                points,
                resolution_s,
                period_s,
            } => {
                let tq = quantize(t, *resolution_s);
                match period_s {
                    Some(p) if *p > 0.0 => interpolate(points, (tq + EDGE_EPS).rem_euclid(*p)),
                    _ => interpolate(points, tq),
                }
            }
            RateProfile::DutyCycle {
                period_s,
                on_fraction,
            } => {
                if *period_s <= 0.0 {
                    return 1.0;
                }
                let pos = (t + EDGE_EPS).rem_euclid(*period_s) / period_s;
                if pos < *on_fraction - 1e-12 { 1.0 } else { 0.0 }
            }
        }
    }

    fn profile_next_change(&self, t: f64) -> f64 {
        match &self.spec.profile {
            RateProfile::Constant => f64::INFINITY,
            RateProfile::Steps(steps) => steps
                .iter()
                .map(|(at, _)| *at)
                .find(|at| *at > t)
                .unwrap_or(f64::INFINITY),
            RateProfile::Daily { resolution_s, .. } | RateProfile::Replay { resolution_s, .. } => {
                let r = resolution_s.max(1e-3);
                ((t / r).floor() + 1.0) * r
            }
            RateProfile::DutyCycle {
                period_s,
                on_fraction,
            } => {
                if *period_s <= 0.0 {
                    return f64::INFINITY;
                }
                // Nudged so that a time sitting on an edge counts as past it.
                let tn = t + EDGE_EPS;
                let start = (tn / period_s).floor() * period_s;
                let off_at = start + on_fraction * period_s;
                let next = if tn < off_at {
                    off_at
                } else {
                    start + period_s
                };
                if next > tn { next } else { next + period_s }
            }
        }
    }

    /// Advances the burst process to `t` (draws new bursts as their start times pass).
    fn roll_bursts(&mut self, t: f64) {
        let Some(b) = self.spec.bursts.clone() else {
            return;
        };
        while self.next_burst <= t + EDGE_EPS {
            let start = self.next_burst;
            let len = draw_exp(&mut self.rng, b.mean_duration_s);
            self.burst_until = self.burst_until.max(start + len);
            self.next_burst = start + draw_exp(&mut self.rng, b.mean_interval_s);
        }
    }

    /// Whether the application is paused at `t` (the off part of a duty cycle).
    pub fn paused_at(&self, t: f64) -> bool {
        matches!(self.spec.profile, RateProfile::DutyCycle { .. })
            && self.profile_multiplier(t) == 0.0
    }

    /// Record rate at `t`, records per second. `t` must not decrease between calls.
    pub fn rate_at(&mut self, t: f64) -> f64 {
        self.roll_bursts(t);
        let burst = match &self.spec.bursts {
            Some(b) if t + EDGE_EPS < self.burst_until => b.multiplier,
            _ => 1.0,
        };
        self.spec.base_records_per_s * self.profile_multiplier(t) * burst
    }

    /// The next time after `t` at which the rate may change, seconds (infinite if never).
    pub fn next_change_after(&mut self, t: f64) -> f64 {
        self.roll_bursts(t);
        let burst_edge = if t + EDGE_EPS < self.burst_until {
            self.burst_until
        } else {
            self.next_burst
        };
        self.profile_next_change(t).min(burst_edge)
    }

    /// Mean rate over the profile (ignoring bursts), records per second: the daily mean for a
    /// daily cycle, the base rate for a constant profile.
    pub fn mean_rate(&self) -> f64 {
        let m = match &self.spec.profile {
            RateProfile::Daily { trough, .. } => 0.5 * (1.0 + trough),
            RateProfile::DutyCycle { on_fraction, .. } => *on_fraction,
            _ => 1.0,
        };
        self.spec.base_records_per_s * m
    }
}

fn quantize(t: f64, r: f64) -> f64 {
    if r > 0.0 { (t / r).floor() * r } else { t }
}

fn interpolate(points: &[(f64, f64)], t: f64) -> f64 {
    match points.iter().position(|(pt, _)| *pt > t) {
        None => points.last().map(|p| p.1).unwrap_or(1.0),
        Some(0) => points[0].1,
        Some(i) => {
            let (t0, v0) = points[i - 1];
            let (t1, v1) = points[i];
            if t1 > t0 {
                v0 + (v1 - v0) * (t - t0) / (t1 - t0)
            } else {
                v1
            }
        }
    }
}

fn draw_exp(rng: &mut ComponentRng, mean: f64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    match Exp::new(1.0 / mean) {
        Ok(d) => d.sample(rng),
        Err(_) => mean * -(1.0 - rng.random::<f64>()).ln(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::stream;

    fn traffic(profile: RateProfile, bursts: Option<Bursts>) -> Traffic {
        Traffic::new(
            TrafficSpec {
                base_records_per_s: 1000.0,
                profile,
                bursts,
            },
            stream(1, "traffic"),
        )
    }

    #[test]
    fn steps_change_the_rate_at_their_times() {
        let mut t = traffic(RateProfile::Steps(vec![(10.0, 2.0), (20.0, 0.5)]), None);
        assert_eq!(t.rate_at(5.0), 1000.0);
        assert_eq!(t.next_change_after(5.0), 10.0);
        assert_eq!(t.rate_at(10.0), 2000.0);
        assert_eq!(t.rate_at(25.0), 500.0);
        assert_eq!(t.next_change_after(25.0), f64::INFINITY);
    }

    #[test]
    fn daily_cycle_peaks_and_troughs_where_configured() {
        let mut t = traffic(
            RateProfile::Daily {
                peak_s: 14.0 * 3600.0,
                trough: 0.2,
                resolution_s: 60.0,
            },
            None,
        );
        assert!((t.rate_at(14.0 * 3600.0) - 1000.0).abs() < 1e-6);
        assert!((t.rate_at(2.0 * 3600.0) - 200.0).abs() < 1e-6);
        assert_eq!(t.next_change_after(30.0), 60.0);
        assert!((t.mean_rate() - 600.0).abs() < 1e-9);
    }

    #[test]
    fn replay_interpolates_between_points() {
        let mut t = traffic(
            RateProfile::Replay {
                points: vec![(0.0, 1.0), (100.0, 3.0)],
                resolution_s: 1.0,
                period_s: None,
            },
            None,
        );
        assert!((t.rate_at(50.0) - 2000.0).abs() < 1e-9);
        assert!((t.rate_at(50.7) - 2000.0).abs() < 1e-9);
        assert_eq!(t.next_change_after(50.7), 51.0);
        assert!((t.rate_at(500.0) - 3000.0).abs() < 1e-9);
        // Repeated every 200 s: at 250 s it plays its 50th second again.
        let mut t = traffic(
            RateProfile::Replay {
                points: vec![(0.0, 1.0), (100.0, 3.0)],
                resolution_s: 1.0,
                period_s: Some(200.0),
            },
            None,
        );
        assert!((t.rate_at(250.0) - 2000.0).abs() < 1e-6);
        assert!((t.rate_at(400.0) - 1000.0).abs() < 1e-6);
    }

    #[test]
    fn duty_cycle_switches_off_and_on() {
        let mut t = traffic(
            RateProfile::DutyCycle {
                period_s: 1.0,
                on_fraction: 0.25,
            },
            None,
        );
        assert_eq!(t.rate_at(0.1), 1000.0);
        assert_eq!(t.next_change_after(0.1), 0.25);
        assert_eq!(t.rate_at(0.5), 0.0);
        assert_eq!(t.next_change_after(0.5), 1.0);
    }

    #[test]
    fn bursts_raise_the_rate_for_about_their_share_of_time() {
        let b = Bursts {
            mean_interval_s: 100.0,
            mean_duration_s: 10.0,
            multiplier: 3.0,
        };
        let mut t = traffic(RateProfile::Constant, Some(b));
        let (mut now, mut in_burst, horizon) = (0.0, 0.0, 200_000.0);
        while now < horizon {
            let r = t.rate_at(now);
            let next = t.next_change_after(now).min(horizon);
            if r > 1000.0 {
                in_burst += next - now;
            }
            now = next;
        }
        // Bursts every 100 s lasting 10 s on average (overlaps merge): about 9.5% of the time.
        let share = in_burst / horizon;
        assert!(share > 0.07 && share < 0.12, "{share}");
    }
}
