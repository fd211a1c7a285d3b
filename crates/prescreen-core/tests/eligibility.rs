//! Boundary tests for every criterion of both shipped trials, with the expected result
//! written down, and the verdict's precedence.
#![cfg(test)]

use jiff::civil::{Date, date};
use prescreen_core::eligibility::{CriterionStatus, Evaluation, Verdict, evaluate};
use prescreen_core::screening::{
    Answer, Candidate, CriterionEntry, EventAnswer, Screening, Sex, TrialReference,
};
use prescreen_core::trial::TrialSet;
use prescreen_core::trial::model::TrialDefinition;
use rust_decimal::Decimal;

fn trial(id: &str) -> TrialDefinition {
    let set = TrialSet::built_in();
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    set.latest(id)
        .map(|t| t.definition.clone())
        .unwrap_or_else(|| panic!("trial {id} not built in"))
}

fn dec(text: &str) -> Decimal {
    prescreen_core::decimal_text::parse_decimal_input(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn screening(trial: &TrialDefinition, sex: Option<Sex>) -> Screening {
    Screening {
        screening_id: "TEST-0001".to_owned(),
        trial: TrialReference {
            id: trial.id.clone(),
            version: trial.version().to_owned(),
            sha256: None,
        },
        coordinator: None,
        candidate: Candidate {
            initials: "ZZ".to_owned(),
            date_of_birth: Some(date(1970, 6, 15)),
            sex,
            childbearing_potential: None,
            pregnant: None,
            breastfeeding: None,
        },
        prescreening_date: date(2026, 11, 23),
        planned_visit_date: None,
        visit_date: None,
        answers: Default::default(),
    }
}

fn with(mut screening: Screening, id: &str, answer: Answer) -> Screening {
    screening
        .answers
        .insert(id.to_owned(), CriterionEntry::new(answer));
    screening
}

fn status(trial: &TrialDefinition, screening: &Screening, id: &str) -> CriterionStatus {
    let evaluation = evaluate(trial, screening);
    evaluation
        .criterion(id)
        .unwrap_or_else(|| panic!("no criterion {id}"))
        .status
}

fn explanation(evaluation: &Evaluation, id: &str) -> String {
    evaluation
        .criterion(id)
        .map(|c| c.explanation.clone())
        .unwrap_or_default()
}

use CriterionStatus::{Met, NotApplicable, NotMet, Unknown};

#[test]
fn assix_ufr_bounds_are_inclusive() {
    let t = trial("assix");
    let base = screening(&t, Some(Sex::Female));
    for (value, expected) in [
        ("0.05", Met),
        ("3.0", Met),
        ("0,05", Met),
        ("0.049", NotMet),
        ("3.01", NotMet),
    ] {
        let s = with(base.clone(), "IN04", Answer::Value(dec(value)));
        assert_eq!(status(&t, &s, "IN04"), expected, "UFR {value}");
    }
    let s = with(base.clone(), "IN04", Answer::Value(dec("0.04")));
    let e = evaluate(&t, &s);
    assert_eq!(
        explanation(&e, "IN04"),
        "UFR 0.04 ml/min (entered) is below the minimum 0.05 ml/min: not met"
    );
}

#[test]
fn assix_ufr_from_collection_meets_the_bound_exactly() {
    use prescreen_core::calculators::ufr::{CollectedUnit, UfrInput};
    let t = trial("assix");
    let input = UfrInput {
        collected: dec("0.3"),
        collected_unit: CollectedUnit::Millilitres,
        minutes: dec("6"),
    };
    let s = with(
        screening(&t, Some(Sex::Male)),
        "IN04",
        Answer::SalivaFlow(input),
    );
    assert_eq!(status(&t, &s, "IN04"), Met);
    let input = UfrInput {
        collected: dec("0.29"),
        collected_unit: CollectedUnit::Grams,
        minutes: dec("6"),
    };
    let s = with(
        screening(&t, Some(Sex::Male)),
        "IN04",
        Answer::SalivaFlow(input),
    );
    assert_eq!(status(&t, &s, "IN04"), NotMet);
}

#[test]
fn a_muse_mhiss_19_fails_20_passes() {
    use prescreen_core::calculators::mhiss::MhissInput;
    let t = trial("a-muse");
    let base = screening(&t, Some(Sex::Male));
    assert_eq!(
        status(
            &t,
            &with(base.clone(), "IN03", Answer::Value(dec("19"))),
            "IN03"
        ),
        NotMet
    );
    assert_eq!(
        status(
            &t,
            &with(base.clone(), "IN03", Answer::Value(dec("20"))),
            "IN03"
        ),
        Met
    );
    // Items summing to 20 and to 19.
    let items = |v: [u8; 12]| {
        Answer::Mhiss(MhissInput {
            items: v.iter().map(|x| Some(*x)).collect(),
        })
    };
    assert_eq!(
        status(
            &t,
            &with(
                base.clone(),
                "IN03",
                items([2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1])
            ),
            "IN03"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(
                base.clone(),
                "IN03",
                items([2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 0])
            ),
            "IN03"
        ),
        NotMet
    );
    // Two items missing: 18 known, at most 26: cannot tell yet.
    let mut partial: Vec<Option<u8>> = vec![Some(2); 12];
    partial[0] = None;
    partial[1] = None;
    partial[2] = Some(0);
    let s = with(
        base.clone(),
        "IN03",
        Answer::Mhiss(MhissInput {
            items: partial.clone(),
        }),
    );
    assert_eq!(status(&t, &s, "IN03"), Unknown);
    // Missing items that could not reach 20 settle it.
    partial.iter_mut().skip(2).for_each(|v| *v = Some(0));
    let s = with(base, "IN03", Answer::Mhiss(MhissInput { items: partial }));
    assert_eq!(status(&t, &s, "IN03"), NotMet);
}

#[test]
fn a_muse_mouth_opening_is_strictly_below_40() {
    let t = trial("a-muse");
    let base = screening(&t, Some(Sex::Male));
    assert_eq!(
        status(
            &t,
            &with(base.clone(), "IN05", Answer::Value(dec("39.9"))),
            "IN05"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(base.clone(), "IN05", Answer::Value(dec("40.0"))),
            "IN05"
        ),
        NotMet
    );
    let s = with(base.clone(), "IN05", Answer::Value(dec("400")));
    let e = evaluate(&t, &s);
    assert_eq!(
        e.criterion("IN05").map(|c| c.status),
        Some(Unknown),
        "an implausible value is not used"
    );
    assert!(
        explanation(&e, "IN05").contains("outside the possible range 0–100 mm"),
        "{}",
        explanation(&e, "IN05")
    );
    assert_eq!(
        e.criterion("IN05").map(|c| c.answer_state),
        Some(prescreen_core::eligibility::AnswerState::Invalid),
        "an impossible stored value is invalid, not merely unknown"
    );
    assert!(!e.is_signable());
}

#[test]
fn a_muse_face_rodnan_at_least_1() {
    let t = trial("a-muse");
    let base = screening(&t, Some(Sex::Female));
    assert_eq!(
        status(
            &t,
            &with(base.clone(), "IN04", Answer::Value(dec("1"))),
            "IN04"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(base.clone(), "IN04", Answer::Value(dec("0"))),
            "IN04"
        ),
        NotMet
    );
    assert_eq!(
        status(&t, &with(base, "IN04", Answer::Value(dec("4"))), "IN04"),
        Unknown,
        "face site scores 0–3"
    );
}

#[test]
fn age_18th_birthday_on_the_reference_date_is_met() {
    for (trial_id, criterion) in [("assix", "IN02"), ("a-muse", "IN01")] {
        let t = trial(trial_id);
        let mut s = screening(&t, Some(Sex::Female));
        s.candidate.date_of_birth = Some(date(2008, 11, 23));
        assert_eq!(status(&t, &s, criterion), Met, "{trial_id}: 18 today");
        s.candidate.date_of_birth = Some(date(2008, 11, 24));
        assert_eq!(status(&t, &s, criterion), NotMet, "{trial_id}: 18 tomorrow");
        s.candidate.date_of_birth = None;
        assert_eq!(
            status(&t, &s, criterion),
            Unknown,
            "{trial_id}: no date of birth"
        );
    }
}

#[test]
fn a_29_february_birthday_is_reached_on_1_march_in_a_common_year() {
    let t = trial("a-muse");
    let mut s = screening(&t, Some(Sex::Male));
    s.candidate.date_of_birth = Some(date(2008, 2, 29));
    s.prescreening_date = date(2026, 2, 28);
    assert_eq!(status(&t, &s, "IN01"), NotMet);
    s.prescreening_date = date(2026, 3, 1);
    assert_eq!(status(&t, &s, "IN01"), Met);
    assert_eq!(
        prescreen_core::eligibility::age_in_years(date(2008, 2, 29), date(2028, 2, 29)),
        Some(20)
    );
}

fn event(date: Date) -> Answer {
    Answer::Event(EventAnswer::LastOn(date.into()))
}

#[test]
fn assix_smoking_exactly_6_months_before_the_visit_excludes() {
    let t = trial("assix");
    let mut s = screening(&t, Some(Sex::Male));
    s.planned_visit_date = Some(date(2026, 12, 10));
    // Counted from the planned screening visit, not the pre-screening date.
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX07", event(date(2026, 6, 10))),
            "EX07"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX07", event(date(2026, 6, 9))),
            "EX07"
        ),
        NotMet
    );
    // Without a planned visit, from the pre-screening date 2026-11-23.
    s.planned_visit_date = None;
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX07", event(date(2026, 5, 23))),
            "EX07"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX07", event(date(2026, 5, 22))),
            "EX07"
        ),
        NotMet
    );
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX07", Answer::Event(EventAnswer::Ongoing)),
            "EX07"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(s, "EX07", Answer::Event(EventAnswer::Never)),
            "EX07"
        ),
        NotMet
    );
}

#[test]
fn six_month_window_from_31_august_starts_on_the_last_day_of_february() {
    let t = trial("assix");
    let mut s = screening(&t, Some(Sex::Male));
    s.prescreening_date = date(2026, 8, 31);
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX07", event(date(2026, 2, 28))),
            "EX07"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX07", event(date(2026, 2, 27))),
            "EX07"
        ),
        NotMet
    );
    s.prescreening_date = date(2028, 8, 31);
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX07", event(date(2028, 2, 29))),
            "EX07"
        ),
        Met
    );
    assert_eq!(
        status(&t, &with(s, "EX07", event(date(2028, 2, 28))), "EX07"),
        NotMet
    );
}

#[test]
fn assix_alcohol_limit_depends_on_sex() {
    let t = trial("assix");
    let woman = screening(&t, Some(Sex::Female));
    let man = screening(&t, Some(Sex::Male));
    assert_eq!(
        status(
            &t,
            &with(woman.clone(), "EX08", Answer::Value(dec("7"))),
            "EX08"
        ),
        NotMet
    );
    assert_eq!(
        status(
            &t,
            &with(woman.clone(), "EX08", Answer::Value(dec("7.01"))),
            "EX08"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(man.clone(), "EX08", Answer::Value(dec("14"))),
            "EX08"
        ),
        NotMet
    );
    assert_eq!(
        status(
            &t,
            &with(man.clone(), "EX08", Answer::Value(dec("14.01"))),
            "EX08"
        ),
        Met
    );
    let unknown_sex = screening(&t, None);
    let s = with(unknown_sex, "EX08", Answer::Value(dec("3")));
    assert_eq!(
        status(&t, &s, "EX08"),
        Unknown,
        "unknown sex never defaults"
    );
}

#[test]
fn assix_alcohol_from_drinks() {
    use prescreen_core::calculators::alcohol_units::{AlcoholInput, Drink};
    let t = trial("assix");
    let beer = |n: &str| Drink {
        per_week: dec(n),
        volume_ml: dec("330"),
        abv_percent: dec("4.6"),
    };
    // 7 beers of 330 ml at 4.6 % ≈ 6.98 units: within a woman's 7.
    let s = with(
        screening(&t, Some(Sex::Female)),
        "EX08",
        Answer::Alcohol(AlcoholInput {
            drinks: vec![beer("7")],
        }),
    );
    assert_eq!(status(&t, &s, "EX08"), NotMet);
    let s = with(
        screening(&t, Some(Sex::Female)),
        "EX08",
        Answer::Alcohol(AlcoholInput {
            drinks: vec![beer("8")],
        }),
    );
    assert_eq!(status(&t, &s, "EX08"), Met);
}

#[test]
fn a_muse_botulinum_toxin_clears_after_4_weeks() {
    let t = trial("a-muse");
    let mut s = screening(&t, Some(Sex::Male));
    s.planned_visit_date = Some(date(2026, 12, 7));
    let s = with(s, "EX02", event(date(2026, 11, 9)));
    let e = evaluate(&t, &s);
    let finding = e.criterion("EX02").expect("EX02");
    assert_eq!(finding.status, Met);
    assert_eq!(finding.clear_from, Some(date(2026, 12, 8)));
    assert!(
        finding
            .explanation
            .contains("excluded until 2026-12-07, clear from 2026-12-08"),
        "{}",
        finding.explanation
    );
    let mut later = s.clone();
    later.planned_visit_date = Some(date(2026, 12, 8));
    assert_eq!(status(&t, &later, "EX02"), NotMet);
}

#[test]
fn a_muse_hsct_within_less_than_1_year_is_exclusive() {
    let t = trial("a-muse");
    let s = screening(&t, Some(Sex::Male));
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX03", event(date(2025, 11, 23))),
            "EX03"
        ),
        NotMet,
        "exactly 1 year"
    );
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX03", event(date(2025, 11, 24))),
            "EX03"
        ),
        Met,
        "1 year less a day"
    );
    assert_eq!(
        status(
            &t,
            &with(s, "EX03", Answer::Event(EventAnswer::Never)),
            "EX03"
        ),
        NotMet
    );
}

#[test]
fn a_muse_herpes_within_1_week_of_the_inclusion_visit() {
    let t = trial("a-muse");
    let mut s = screening(&t, Some(Sex::Female));
    s.planned_visit_date = Some(date(2026, 12, 7));
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX04", event(date(2026, 11, 30))),
            "EX04"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX04", event(date(2026, 11, 29))),
            "EX04"
        ),
        NotMet
    );
    assert_eq!(
        status(
            &t,
            &with(s, "EX04", Answer::Event(EventAnswer::Ongoing)),
            "EX04"
        ),
        Met
    );
}

#[test]
fn a_muse_trial_participation_within_3_months_of_the_planned_visit() {
    let t = trial("a-muse");
    let mut s = screening(&t, Some(Sex::Female));
    // "within the previous 3 months" names no date: eligibility is assessed at inclusion, so
    // the window counts back from the planned visit (definition 1.1.0).
    s.planned_visit_date = Some(date(2027, 1, 30));
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX01", event(date(2026, 10, 30))),
            "EX01"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX01", event(date(2026, 10, 29))),
            "EX01"
        ),
        NotMet
    );
    // Without a planned visit the pre-screening date (2026-11-23) stands in.
    s.planned_visit_date = None;
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX01", event(date(2026, 8, 23))),
            "EX01"
        ),
        Met
    );
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX01", event(date(2026, 8, 22))),
            "EX01"
        ),
        NotMet
    );
    assert_eq!(
        status(
            &t,
            &with(s.clone(), "EX01", Answer::Event(EventAnswer::Ongoing)),
            "EX01"
        ),
        Met
    );
    let e = evaluate(&t, &with(s, "EX01", event(date(2026, 12, 1))));
    assert_eq!(
        e.criterion("EX01").map(|c| c.status),
        Some(Unknown),
        "an event after the reference date is a data error"
    );
}

#[test]
fn classification_scores_against_the_trial_threshold() {
    use prescreen_core::calculators::pss_2016::Pss2016Input;
    use prescreen_core::calculators::ssc_2013::Ssc2013Input;
    let t = trial("assix");
    let base = screening(&t, Some(Sex::Female));
    let pss = |focus, ssa, schirmer| Pss2016Input {
        dry_mouth_over_3_months: Some(true),
        focus_score_at_least_1: Some(focus),
        anti_ssa_ro_positive: Some(ssa),
        ocular_staining_score_at_least_5: Some(false),
        schirmer_at_most_5_mm: Some(schirmer),
        unstimulated_saliva_at_most_0_1: Some(false),
        exclusion_present: Some(false),
        ..Default::default()
    };
    assert_eq!(
        status(
            &t,
            &with(
                base.clone(),
                "IN01",
                Answer::Pss2016(pss(false, true, true))
            ),
            "IN01"
        ),
        Met,
        "3 + 1 = 4"
    );
    assert_eq!(
        status(
            &t,
            &with(
                base.clone(),
                "IN01",
                Answer::Pss2016(pss(false, true, false))
            ),
            "IN01"
        ),
        NotMet,
        "3 < 4"
    );
    let documented = Answer::DocumentedDiagnosis {
        source: "rheumatology letter 2024".to_owned(),
    };
    assert_eq!(
        status(&t, &with(base.clone(), "IN01", documented), "IN01"),
        Met
    );
    let blank_source = Answer::DocumentedDiagnosis {
        source: "  ".to_owned(),
    };
    assert_eq!(
        status(&t, &with(base, "IN01", blank_source), "IN01"),
        Unknown,
        "must say where"
    );

    let t = trial("a-muse");
    let base = screening(&t, Some(Sex::Female));
    let ssc = Ssc2013Input {
        sclerodactyly: Some(true),
        raynauds_phenomenon: Some(true),
        telangiectasia: Some(false),
        ssc_autoantibodies: Some(false),
        better_explained_by_other_disorder: Some(false),
        ..Default::default()
    };
    // 4 + 3 = 7 known, unanswered items could still reach 9: open.
    assert_eq!(
        status(
            &t,
            &with(base.clone(), "IN02", Answer::Ssc2013(ssc.clone())),
            "IN02"
        ),
        Unknown
    );
    let ssc9 = Ssc2013Input {
        abnormal_nailfold_capillaries: Some(true),
        ..ssc
    };
    assert_eq!(
        status(&t, &with(base, "IN02", Answer::Ssc2013(ssc9)), "IN02"),
        Met,
        "4 + 3 + 2 = 9"
    );
}

#[test]
fn sex_specific_criteria_do_not_apply_to_men() {
    let t = trial("assix");
    let man = screening(&t, Some(Sex::Male));
    assert_eq!(status(&t, &man, "EX05"), NotApplicable);
    assert_eq!(status(&t, &man, "EX06"), NotApplicable);
    let woman = screening(&t, Some(Sex::Female));
    assert_eq!(
        status(&t, &woman, "EX05"),
        Unknown,
        "unanswered for a woman"
    );
    assert_eq!(
        status(&t, &with(woman.clone(), "EX05", Answer::Yes), "EX05"),
        Met
    );
    assert_eq!(status(&t, &with(woman, "EX06", Answer::No), "EX06"), NotMet);
    assert_eq!(
        status(&t, &screening(&t, None), "EX05"),
        Unknown,
        "unknown sex is unknown, not n/a"
    );

    let t = trial("a-muse");
    assert_eq!(
        status(&t, &screening(&t, Some(Sex::Male)), "EX08"),
        NotApplicable
    );
    assert_eq!(
        status(&t, &screening(&t, Some(Sex::Male)), "EX09"),
        NotApplicable
    );
    let mut woman = screening(&t, Some(Sex::Female));
    assert_eq!(
        status(&t, &woman, "EX09"),
        Unknown,
        "childbearing potential unknown"
    );
    woman.candidate.childbearing_potential = Some(false);
    assert_eq!(status(&t, &woman, "EX09"), NotApplicable);
    woman.candidate.childbearing_potential = Some(true);
    assert_eq!(
        status(&t, &with(woman.clone(), "EX09", Answer::Yes), "EX09"),
        Met
    );
    assert_eq!(status(&t, &with(woman, "EX09", Answer::No), "EX09"), NotMet);
}

/// Every confirmation and judgement criterion of both trials, answered yes and no, with the
/// status written down.
#[test]
fn every_confirmation_and_judgement_criterion() {
    let cases: &[(&str, &str)] = &[
        ("assix", "IN03"),
        ("assix", "IN05"),
        ("assix", "EX01"),
        ("assix", "EX02"),
        ("assix", "EX03"),
        ("assix", "EX04"),
        ("assix", "EX05"),
        ("assix", "EX06"),
        ("assix", "EX09"),
        ("a-muse", "IN06"),
        ("a-muse", "IN07"),
        ("a-muse", "IN08"),
        ("a-muse", "EX05"),
        ("a-muse", "EX06"),
        ("a-muse", "EX07"),
        ("a-muse", "EX08"),
        ("a-muse", "EX09"),
        ("a-muse", "EX10"),
    ];
    for (trial_id, id) in cases {
        let t = trial(trial_id);
        let mut base = screening(&t, Some(Sex::Female));
        base.candidate.childbearing_potential = Some(true);
        let yes = evaluate(&t, &with(base.clone(), id, Answer::Yes));
        let no = evaluate(&t, &with(base.clone(), id, Answer::No));
        let unknown = evaluate(&t, &with(base.clone(), id, Answer::Unknown));
        let inclusion = id.starts_with("IN");
        assert_eq!(
            yes.criterion(id).map(|c| c.status),
            Some(Met),
            "{trial_id} {id} yes"
        );
        assert_eq!(
            no.criterion(id).map(|c| c.status),
            Some(NotMet),
            "{trial_id} {id} no"
        );
        assert_eq!(
            unknown.criterion(id).map(|c| c.status),
            Some(Unknown),
            "{trial_id} {id} unknown"
        );
        // Yes on an exclusion is "present (excludes)"; no on an inclusion fails.
        let failing_answer = if inclusion { &no } else { &yes };
        match &failing_answer.verdict {
            Verdict::NotEligible { failing, .. } => {
                assert_eq!(failing, &vec![id.to_string()], "{trial_id} {id}")
            }
            other => panic!("{trial_id} {id}: expected NOT ELIGIBLE, got {other:?}"),
        }
        let label = yes.criterion(id).map(|c| c.status.label(c.kind));
        assert_eq!(
            label,
            Some(if inclusion {
                "met"
            } else {
                "present (excludes)"
            })
        );
        // A value cannot answer a yes/no criterion: it is invalid, stays open and says why.
        let wrong = evaluate(&t, &with(base, id, Answer::Value(dec("1"))));
        assert!(
            explanation(&wrong, id).contains("a value does not fit this criterion"),
            "{trial_id} {id}: {}",
            explanation(&wrong, id)
        );
    }
}

#[test]
fn verdict_precedence() {
    let t = trial("a-muse");
    // Nothing answered: incomplete, every criterion but the age listed as missing.
    let empty = evaluate(&t, &screening(&t, Some(Sex::Male)));
    match &empty.verdict {
        Verdict::Incomplete { missing } => {
            assert!(!missing.contains(&"IN01".to_owned()));
            assert!(missing.contains(&"IN03".to_owned()) && missing.contains(&"IN08".to_owned()));
            assert!(
                !missing.contains(&"EX08".to_owned()),
                "not applicable to a man"
            );
        }
        other => panic!("expected INCOMPLETE, got {other:?}"),
    }
    // One failure outranks everything open, and the open ones are still listed.
    let failing = evaluate(
        &t,
        &with(
            screening(&t, Some(Sex::Male)),
            "IN05",
            Answer::Value(dec("45")),
        ),
    );
    match &failing.verdict {
        Verdict::NotEligible { failing, missing } => {
            assert_eq!(failing, &vec!["IN05".to_owned()]);
            assert!(missing.contains(&"IN03".to_owned()));
        }
        other => panic!("expected NOT ELIGIBLE, got {other:?}"),
    }
    // Unknown never counts as no.
    let unknown = evaluate(
        &t,
        &with(screening(&t, Some(Sex::Male)), "EX07", Answer::Unknown),
    );
    assert_eq!(unknown.verdict.name(), "INCOMPLETE");
}

#[test]
fn answers_for_unknown_criteria_are_reported() {
    let t = trial("assix");
    let s = with(screening(&t, Some(Sex::Male)), "IN99", Answer::Yes);
    assert_eq!(evaluate(&t, &s).unmatched_answers, vec!["IN99".to_owned()]);
}

#[test]
fn fixtures_evaluate_to_the_verdict_in_their_name() {
    let set = TrialSet::built_in();
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"))
        .expect("fixtures")
    {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let Some((trial_id, expected)) = [
            ("-not-eligible", "NOT ELIGIBLE"),
            ("-prescreen-passed", "PRE-SCREEN PASSED"),
            ("-incomplete", "INCOMPLETE"),
            ("-eligible", "ELIGIBLE"),
        ]
        .iter()
        .find_map(|(suffix, verdict)| name.strip_suffix(suffix).map(|t| (t.to_owned(), *verdict))) else {
            continue;
        };
        let screening =
            prescreen_core::screening_file::read_screening(&path).unwrap_or_else(|e| panic!("{e}"));
        let definition = &set
            .latest(&trial_id)
            .unwrap_or_else(|| panic!("{name}: no trial {trial_id}"))
            .definition;
        let evaluation = evaluate(definition, &screening);
        assert_eq!(
            evaluation.verdict.name(),
            expected,
            "{name}: {:#?}",
            evaluation.criteria
        );
        assert!(evaluation.unmatched_answers.is_empty(), "{name}");
        seen.insert((trial_id, expected));
    }
    for trial_id in ["assix", "a-muse"] {
        for verdict in [
            "NOT ELIGIBLE",
            "PRE-SCREEN PASSED",
            "INCOMPLETE",
            "ELIGIBLE",
        ] {
            assert!(
                seen.contains(&(trial_id.to_owned(), verdict)),
                "no fixture for {trial_id} {verdict}"
            );
        }
    }
}

/// Pregnancy and breastfeeding are candidate facts shared by every trial: a "yes" settles
/// each criterion that names them; a "no" settles only a criterion that is exactly that fact.
#[test]
fn shared_pregnancy_and_breastfeeding_facts() {
    let assix = trial("assix");
    let a_muse = trial("a-muse");
    let mut woman = screening(&assix, Some(Sex::Female));
    woman.candidate.pregnant = Some(true);
    assert_eq!(status(&assix, &woman, "EX05"), Met);
    assert_eq!(
        status(&a_muse, &woman, "EX08"),
        Met,
        "pregnant or breastfeeding or plans"
    );
    assert_eq!(
        status(&assix, &woman, "EX06"),
        Unknown,
        "pregnancy says nothing of breastfeeding"
    );

    let mut woman = screening(&assix, Some(Sex::Female));
    woman.candidate.pregnant = Some(false);
    woman.candidate.breastfeeding = Some(false);
    assert_eq!(
        status(&assix, &woman, "EX06"),
        NotMet,
        "\"Are breastfeeding\" is exactly the fact"
    );
    assert_eq!(
        status(&assix, &woman, "EX05"),
        Unknown,
        "a planned pregnancy is still to be asked"
    );
    assert_eq!(
        status(&a_muse, &woman, "EX08"),
        Unknown,
        "plans are still to be asked"
    );
    assert_eq!(
        status(&assix, &with(woman.clone(), "EX05", Answer::No), "EX05"),
        NotMet
    );

    woman.candidate.breastfeeding = Some(true);
    assert_eq!(status(&assix, &woman, "EX06"), Met);
    assert_eq!(status(&a_muse, &woman, "EX08"), Met);
    // A fact never makes a criterion apply to a man.
    let mut man = screening(&assix, Some(Sex::Male));
    man.candidate.pregnant = Some(true);
    assert_eq!(status(&assix, &man, "EX05"), NotApplicable);
}
