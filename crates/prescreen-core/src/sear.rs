//! SEAR counts (screened, eligible, approached, randomised — the numbers of a CONSORT flow
//! diagram) and the reasons behind them, tallied the same way whichever store streams the
//! rows.

use std::collections::{BTreeMap, HashMap};

use crate::eligibility::VerdictKind;
use crate::lifecycle::ScreeningStatus;

/// How many candidates failed one criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionCount {
    /// Criterion id.
    pub criterion_id: String,
    /// Short text of the criterion.
    pub text: String,
    /// Screened candidates whose verdict names it as failing.
    pub count: u64,
    /// Of those, how many only until a date or an event's end (a window, an age not yet
    /// reached, an ongoing event); the rest are permanent.
    pub time_limited: u64,
}

/// A reason text and how often it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonCount {
    /// The reason as entered.
    pub reason: String,
    /// How many screenings gave it.
    pub count: u64,
}

/// Per-trial SEAR counts and ineligibility reasons: the numbers of a CONSORT flow diagram.
///
/// Voided screenings count nowhere but in `voided`; drafts only in `in_progress`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrialSummary {
    /// Trial id.
    pub trial_id: String,
    /// Screenings with a recorded verdict (status beyond draft, not voided).
    pub screened: u64,
    /// Of those, verdict ELIGIBLE or PRE-SCREEN PASSED.
    pub eligible: u64,
    /// Of those screened, approached at some point (approached and every later stage).
    pub approached: u64,
    /// Consented (consented, enrolled, and not enrolled after consent).
    pub consented: u64,
    /// Declined.
    pub declined: u64,
    /// Enrolled.
    pub enrolled: u64,
    /// Not enrolled (before or after consent).
    pub not_enrolled: u64,
    /// Drafts: started, no verdict recorded.
    pub in_progress: u64,
    /// Voided as entered in error.
    pub voided: u64,
    /// Screened and NOT ELIGIBLE.
    pub not_eligible: u64,
    /// Failing criteria among the NOT ELIGIBLE, most frequent first (ties by id).
    pub ineligible_by_criterion: Vec<CriterionCount>,
    /// Reasons given for declining, most frequent first.
    pub declined_reasons: Vec<ReasonCount>,
    /// Reasons given for not enrolling, most frequent first.
    pub not_enrolled_reasons: Vec<ReasonCount>,
}

/// One screening as the tally needs it: what every store's summary query returns.
#[derive(Debug, Clone, Copy)]
pub struct SearRow<'a> {
    /// Trial id.
    pub trial_id: &'a str,
    /// Lifecycle status.
    pub status: ScreeningStatus,
    /// The stored verdict.
    pub verdict: VerdictKind,
    /// Approached at some point.
    pub was_approached: bool,
    /// Consented at some point.
    pub was_consented: bool,
    /// Failing criterion ids, space-separated.
    pub failing: &'a str,
    /// Time-limited failing criterion ids, space-separated.
    pub time_limited: &'a str,
    /// Why declined, not enrolled, voided or corrected.
    pub status_reason: Option<&'a str>,
}

#[derive(Default)]
struct Tally {
    summary: TrialSummary,
    failing: HashMap<String, u64>,
    time_limited: HashMap<String, u64>,
    declined: HashMap<String, u64>,
    not_enrolled: HashMap<String, u64>,
}

fn bump(map: &mut HashMap<String, u64>, key: &str, n: u64) {
    match map.get_mut(key) {
        Some(count) => *count += n,
        None => {
            map.insert(key.to_owned(), n);
        }
    }
}

/// Tallies rows as they stream, so memory depends on the number of trials and distinct
/// reasons only. Voided screenings count nowhere but in `voided`; drafts only in
/// `in_progress`.
#[derive(Default)]
pub struct SearTally {
    by_trial: BTreeMap<String, Tally>,
}

impl SearTally {
    /// Counts one screening.
    pub fn add(&mut self, row: &SearRow<'_>) {
        self.add_many(row, 1);
    }

    /// Counts `n` screenings that are alike in every column the tally reads (a store that
    /// groups them where they are kept sends one row per group).
    pub fn add_many(&mut self, row: &SearRow<'_>, n: u64) {
        let tally = match self.by_trial.get_mut(row.trial_id) {
            Some(tally) => tally,
            None => self
                .by_trial
                .entry(row.trial_id.to_owned())
                .or_insert_with(|| Tally {
                    summary: TrialSummary {
                        trial_id: row.trial_id.to_owned(),
                        ..TrialSummary::default()
                    },
                    ..Tally::default()
                }),
        };
        let s = &mut tally.summary;
        match row.status {
            ScreeningStatus::Draft => s.in_progress += n,
            ScreeningStatus::Voided => s.voided += n,
            status => {
                s.screened += n;
                if row.verdict.is_eligible() {
                    s.eligible += n;
                }
                if row.was_approached {
                    s.approached += n;
                }
                if row.was_consented {
                    s.consented += n;
                }
                if row.verdict == VerdictKind::NotEligible {
                    s.not_eligible += n;
                    for criterion in row.failing.split_whitespace() {
                        bump(&mut tally.failing, criterion, n);
                    }
                    for criterion in row.time_limited.split_whitespace() {
                        bump(&mut tally.time_limited, criterion, n);
                    }
                }
                let reason = row.status_reason.unwrap_or_default();
                match status {
                    ScreeningStatus::Declined => {
                        s.declined += n;
                        bump(&mut tally.declined, reason, n);
                    }
                    ScreeningStatus::Enrolled => s.enrolled += n,
                    ScreeningStatus::NotEnrolled => {
                        s.not_enrolled += n;
                        bump(&mut tally.not_enrolled, reason, n);
                    }
                    _ => {}
                }
            }
        }
    }

    /// The trial ids that have failing criteria to name (for loading criterion texts once).
    pub fn trials_with_failures(&self) -> Vec<String> {
        self.by_trial
            .iter()
            .filter(|(_, t)| !t.failing.is_empty())
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// The summaries in trial id order, most frequent criteria and reasons first (ties by
    /// id or text); `texts` gives each trial's short criterion texts.
    pub fn finish(self, texts: &HashMap<String, HashMap<String, String>>) -> Vec<TrialSummary> {
        let empty = HashMap::new();
        let mut summaries = Vec::with_capacity(self.by_trial.len());
        for (trial_id, tally) in self.by_trial {
            let Tally {
                mut summary,
                failing,
                time_limited,
                declined,
                not_enrolled,
            } = tally;
            let texts = texts.get(&trial_id).unwrap_or(&empty);
            summary.ineligible_by_criterion = failing
                .into_iter()
                .map(|(criterion_id, count)| CriterionCount {
                    text: texts.get(&criterion_id).cloned().unwrap_or_default(),
                    time_limited: time_limited.get(&criterion_id).copied().unwrap_or(0),
                    criterion_id,
                    count,
                })
                .collect();
            summary.ineligible_by_criterion.sort_by(|a, b| {
                b.count
                    .cmp(&a.count)
                    .then_with(|| a.criterion_id.cmp(&b.criterion_id))
            });
            let sorted = |reasons: HashMap<String, u64>| {
                let mut list: Vec<ReasonCount> = reasons
                    .into_iter()
                    .map(|(reason, count)| ReasonCount { reason, count })
                    .collect();
                list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
                list
            };
            summary.declined_reasons = sorted(declined);
            summary.not_enrolled_reasons = sorted(not_enrolled);
            summaries.push(summary);
        }
        summaries
    }
}
