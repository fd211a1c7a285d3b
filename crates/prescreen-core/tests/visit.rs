//! The visit: the actual date moves windows counted from the visit, re-confirmations are
//! listed and settled, investigator judgements name the investigator, and enrolment waits.

use jiff::civil::date;
use prescreen_core::eligibility::{CriterionStatus, VerdictKind, evaluate};
use prescreen_core::lifecycle::{LifecycleError, ScreeningStatus, check_visit_gate};
use prescreen_core::partial_date::PartialDate;
use prescreen_core::screening::{Answer, CriterionEntry, EventAnswer, Judgement, Screening};
use prescreen_core::screening_file::{screening_from_str, screening_to_string};
use prescreen_core::trial::load::TrialSet;
use prescreen_core::trial::model::TrialDefinition;
use prescreen_core::visit::{
    ReconfirmError, check_visit_date, definition_warnings, reconfirm, reconfirmation_after_save,
    require_named_judgement,
};

const ELIGIBLE: &str = include_str!("../../../tests/fixtures/a-muse-eligible.ron");

#[expect(
    clippy::expect_used,
    reason = "a test helper: the built-in trial is always there"
)]
fn a_muse() -> TrialDefinition {
    TrialSet::built_in()
        .latest("a-muse")
        .expect("a-muse")
        .definition
        .clone()
}

/// The synthetic ELIGIBLE candidate, answered against today's definition.
#[expect(
    clippy::expect_used,
    reason = "a test helper: the fixture is in the repository"
)]
fn eligible() -> Screening {
    let mut screening = screening_from_str(ELIGIBLE, "a-muse-eligible.ron").expect("fixture");
    screening.trial.version = a_muse().version().to_owned();
    screening
}

#[test]
fn every_shipped_criterion_decides_and_no_visit_window_goes_unreconfirmed() {
    let set = TrialSet::built_in();
    for trial in set.latest_each() {
        let definition = &trial.definition;
        assert!(
            definition_warnings(definition).is_empty(),
            "{}: {:?}",
            definition.id,
            definition_warnings(definition)
        );
        // The reasoning is in every note.
        for criterion in &definition.criteria {
            let note = criterion.note.as_deref().unwrap_or_default();
            assert!(
                note.contains("e-confirmed at the"),
                "{} {}: the note gives no reason for reconfirm_at_visit",
                definition.id,
                criterion.id
            );
        }
    }
    let reconfirmed: usize = set
        .latest_each()
        .iter()
        .map(|t| {
            t.definition
                .criteria
                .iter()
                .filter(|c| c.reconfirm_at_visit)
                .count()
        })
        .sum();
    assert_eq!(reconfirmed, 16, "A-MUSE 9 + ASSIX 7");
    // An older version without the field still loads and re-confirms nothing …
    let old = set.get("a-muse", "1.1.0").expect("1.1.0 is kept");
    assert!(
        old.definition
            .criteria
            .iter()
            .all(|c| !c.reconfirm_at_visit)
    );
    // … and is what validate warns about.
    assert_eq!(definition_warnings(&old.definition).len(), 4);
}

#[test]
fn the_actual_visit_date_moves_a_window_counted_from_the_visit() {
    let trial = a_muse();
    let mut screening = eligible();
    screening.prescreening_date = date(2026, 10, 20);
    screening.planned_visit_date = Some(date(2026, 11, 20));
    // Injection 27 days before the planned visit, 30 days before the actual one.
    screening.answers.insert(
        "EX02".into(),
        CriterionEntry::new(Answer::Event(EventAnswer::LastOn(PartialDate::Day(date(
            2026, 10, 24,
        ))))),
    );
    let planned = evaluate(&trial, &screening);
    let ex02 = planned.criterion("EX02").expect("EX02");
    assert_eq!(ex02.status, CriterionStatus::Met, "{}", ex02.explanation);
    assert_eq!(
        ex02.reference.as_ref().map(|r| r.name.as_str()),
        Some("planned inclusion visit")
    );
    screening.visit_date = Some(date(2026, 11, 23));
    let actual = evaluate(&trial, &screening);
    let ex02 = actual.criterion("EX02").expect("EX02");
    assert_eq!(ex02.status, CriterionStatus::NotMet, "{}", ex02.explanation);
    let used = ex02.reference.as_ref().expect("a reference");
    assert_eq!(
        (used.date, used.name.as_str()),
        (date(2026, 11, 23), "actual inclusion visit")
    );
    assert!(
        ex02.explanation
            .contains("actual inclusion visit 2026-11-23"),
        "{}",
        ex02.explanation
    );
}

#[test]
fn the_visit_check_lists_what_to_reconfirm_and_gates_enrolment_not_the_verdict() {
    let trial = a_muse();
    let mut screening = eligible();
    for judged in ["IN07", "EX05"] {
        if let Some(entry) = screening.answers.get_mut(judged) {
            entry.judged_by = Some(Judgement {
                investigator: "Dr Synthetic".into(),
                on: date(2026, 11, 23),
            });
        }
    }
    let before = evaluate(&trial, &screening);
    assert_eq!(before.verdict.kind(), VerdictKind::Eligible);
    // Applicable, settled and asked for by the file: IN08, EX01–EX04, EX07, EX08, EX10 (EX09
    // does not concern a woman without childbearing potential).
    assert_eq!(
        before.visit.reconfirm_open,
        [
            "IN08", "EX01", "EX02", "EX03", "EX04", "EX07", "EX08", "EX10"
        ]
    );
    assert_eq!(
        before.verdict_and_visit_line(&trial.visit_name),
        "ELIGIBLE — 8 answers to re-confirm at the inclusion visit"
    );
    assert!(matches!(
        check_visit_gate(ScreeningStatus::Enrolled, &before.visit),
        Err(LifecycleError::VisitCheckOpen { open }) if open.len() == 8 && open[0] == "IN08 to re-confirm"
    ));
    assert_eq!(
        check_visit_gate(ScreeningStatus::Consented, &before.visit),
        Ok(())
    );
    // Before the visit starts nothing can be re-confirmed.
    assert_eq!(
        reconfirm(
            &trial,
            &screening,
            &before,
            "EX02",
            false,
            date(2026, 12, 7),
            None
        ),
        Err(ReconfirmError::VisitNotStarted)
    );
    screening.visit_date = Some(date(2026, 12, 7));
    let at_visit = evaluate(&trial, &screening);
    // Never a criterion the file does not re-confirm, nor one dated before the visit.
    assert_eq!(
        reconfirm(
            &trial,
            &screening,
            &at_visit,
            "IN02",
            false,
            date(2026, 12, 7),
            None
        ),
        Err(ReconfirmError::NotReconfirmed("IN02".into()))
    );
    assert!(matches!(
        reconfirm(&trial, &screening, &at_visit, "EX02", false, date(2026, 12, 6), None),
        Err(ReconfirmError::Input(p)) if p.field == "re-confirmed on"
    ));
    for id in at_visit.visit.reconfirm_open.clone() {
        let evaluation = evaluate(&trial, &screening);
        let entry = reconfirm(
            &trial,
            &screening,
            &evaluation,
            &id,
            id == "EX02",
            date(2026, 12, 7),
            Some(date(2026, 12, 7)),
        )
        .unwrap_or_else(|e| panic!("{id}: {e}"));
        screening.answers.insert(id, entry);
    }
    let changed = evaluate(&trial, &screening);
    assert!(changed.visit.reconfirm_open.is_empty());
    assert_eq!(changed.visit.new_answer_awaited, ["EX02"]);
    assert_eq!(changed.verdict.kind(), VerdictKind::Eligible, "unchanged");
    // The new answer, given at the visit, is the re-confirmation: changed, nothing awaited.
    let criterion = trial.criterion("EX02").expect("EX02");
    let previous = screening.answers.get("EX02").cloned();
    let mut new = previous.clone().expect("EX02");
    new.answer = Answer::Event(EventAnswer::LastOn(PartialDate::Day(date(2026, 11, 30))));
    new.reconfirmed = None; // a caller's own value is never taken
    let reconfirmed = reconfirmation_after_save(
        criterion,
        &screening,
        previous.as_ref(),
        &new,
        date(2026, 12, 7),
    )
    .expect("re-confirmed");
    assert!(reconfirmed.changed && !reconfirmed.new_answer_awaited);
    new.reconfirmed = Some(reconfirmed);
    screening.answers.insert("EX02".into(), new);
    let after = evaluate(&trial, &screening);
    assert!(after.visit.is_clear(), "{:?}", after.visit);
    assert_eq!(after.verdict.kind(), VerdictKind::NotEligible);
    assert_eq!(after.rescreen_from, Some(date(2026, 12, 29)));
}

#[test]
fn an_investigator_judgement_names_the_investigator() {
    let trial = a_muse();
    let screening = eligible(); // IN07 and EX05 answered bare, as in older files
    let evaluation = evaluate(&trial, &screening);
    assert_eq!(
        evaluation.verdict.kind(),
        VerdictKind::Eligible,
        "verdict kept"
    );
    assert_eq!(evaluation.visit.judgement_unnamed, ["IN07", "EX05"]);
    let in07 = trial.criterion("IN07").expect("IN07");
    let bare = CriterionEntry::new(Answer::Yes);
    assert!(require_named_judgement(in07, &bare).is_err());
    assert!(require_named_judgement(in07, &CriterionEntry::new(Answer::Unknown)).is_ok());
    let named = CriterionEntry {
        judged_by: Some(Judgement {
            investigator: "Dr Synthetic".into(),
            on: date(2026, 11, 23),
        }),
        ..bare
    };
    assert!(require_named_judgement(in07, &named).is_ok());
    // A judgement dated in the future or with an empty name is refused by every door.
    let context = prescreen_core::validation::AnswerContext {
        screening: &screening,
        visit_name: &trial.visit_name,
        today: Some(date(2026, 11, 23)),
    };
    let mut future = named.clone();
    if let Some(j) = future.judged_by.as_mut() {
        j.on = date(2026, 11, 24);
    }
    assert!(prescreen_core::validation::check_entry(in07, &future, context).is_err());
    let mut empty = named;
    if let Some(j) = empty.judged_by.as_mut() {
        j.investigator = "  ".into();
    }
    assert!(prescreen_core::validation::check_entry(in07, &empty, context).is_err());
}

#[test]
fn the_visit_date_is_never_before_the_prescreening_nor_in_the_future() {
    let screening = eligible();
    assert!(check_visit_date(&screening, date(2026, 11, 22), None).is_err());
    assert!(check_visit_date(&screening, date(2026, 11, 23), Some(date(2026, 11, 23))).is_ok());
    let future = check_visit_date(&screening, date(2026, 11, 24), Some(date(2026, 11, 23)));
    assert!(future.is_err_and(|p| p.message.contains("future")));
}

#[test]
fn old_files_load_and_write_unchanged_and_the_additions_round_trip() {
    let screening = eligible();
    let text = screening_to_string(&screening).expect("write");
    assert!(
        !text.contains(" visit_date:") && !text.contains("reconfirmed") && !text.contains("judged"),
        "{text}"
    );
    let issue_form = ELIGIBLE
        .replace(
            "planned_visit_date: \"2026-12-07\",",
            "planned_visit_date: \"2026-12-07\",\n    visit_date: Some(\"2026-12-10\"),",
        )
        .replace(
            "\"EX02\": (answer: Event(LastOn(\"2026-10-01\")), evidence: \"medical record\"),",
            "\"EX02\": (answer: Event(LastOn(\"2026-10-01\")), evidence: \"medical record\", reconfirmed: Some((on: \"2026-12-10\", changed: false))),",
        );
    assert_ne!(issue_form, ELIGIBLE, "the mutations must apply");
    let read = screening_from_str(&issue_form, "issue.ron").expect("the issue's form reads");
    assert_eq!(read.visit_date, Some(date(2026, 12, 10)));
    let ex02 = read.answers.get("EX02").and_then(|e| e.reconfirmed);
    assert_eq!(
        ex02.map(|r| (r.on, r.changed)),
        Some((date(2026, 12, 10), false))
    );
    let again = screening_from_str(&screening_to_string(&read).expect("write"), "again.ron")
        .expect("read back");
    assert_eq!(again, read);
}
