//! The store's behaviour both backends must share, written once: each function is one
//! test, run on the embedded file (`storage_conformance_sqlite`) and on a site server login
//! (`storage_conformance_server`). Synthetic candidates only.

mod records;
mod tamper;

pub use records::*;
pub use tamper::*;

/// Every conformance test, for the per-backend files to instantiate.
#[macro_export]
macro_rules! conformance_tests {
    ($backend:expr) => {
        #[test]
        fn a_screening_in_progress_moves_to_the_amended_definition_in_one_event() {
            conformance::a_screening_in_progress_moves_to_the_amended_definition_in_one_event(
                Harness::new($backend),
            );
        }
        #[test]
        fn a_signed_screening_never_moves() {
            conformance::a_signed_screening_never_moves(Harness::new($backend));
        }
        #[test]
        fn the_log_reads_newest_first_in_pages_by_key() {
            conformance::the_log_reads_newest_first_in_pages_by_key(Harness::new($backend));
        }
        #[test]
        fn a_stale_save_is_refused_naming_who_changed_it_and_nothing_is_lost() {
            conformance::a_stale_save_is_refused_naming_who_changed_it_and_nothing_is_lost(
                Harness::new($backend),
            );
        }
        #[test]
        fn ids_follow_prefix_site_year_sequence_and_are_never_reused() {
            conformance::ids_follow_prefix_site_year_sequence_and_are_never_reused(Harness::new($backend));
        }
        #[test]
        fn import_keeps_a_free_id_refuses_a_taken_one_and_generates_a_missing_one() {
            conformance::import_keeps_a_free_id_refuses_a_taken_one_and_generates_a_missing_one(Harness::new($backend));
        }
        #[test]
        fn changing_an_answered_criterion_needs_a_reason_and_is_audited() {
            conformance::changing_an_answered_criterion_needs_a_reason_and_is_audited(Harness::new($backend));
        }
        #[test]
        fn answers_re_evaluate_the_stored_verdict() {
            conformance::answers_re_evaluate_the_stored_verdict(Harness::new($backend));
        }
        #[test]
        fn candidate_and_date_changes_are_audited_and_need_a_reason_once_set() {
            conformance::candidate_and_date_changes_are_audited_and_need_a_reason_once_set(Harness::new($backend));
        }
        #[test]
        fn the_lifecycle_checks_transitions_and_reasons_and_void_freezes() {
            conformance::the_lifecycle_checks_transitions_and_reasons_and_void_freezes(Harness::new($backend));
        }
        #[test]
        fn the_log_filters_and_orders_and_the_summary_counts() {
            conformance::the_log_filters_and_orders_and_the_summary_counts(Harness::new($backend));
        }
        #[test]
        fn two_handles_on_one_file_keep_one_chain() {
            conformance::two_handles_on_one_file_keep_one_chain(Harness::new($backend));
        }
        #[test]
        fn a_change_after_signing_needs_a_reason_and_supersedes_the_signed_pdf() {
            conformance::a_change_after_signing_needs_a_reason_and_supersedes_the_signed_pdf(Harness::new($backend));
        }
        #[test]
        fn a_pregnancy_reported_at_the_visit_answers_the_changed_reconfirmation() {
            conformance::a_pregnancy_reported_at_the_visit_answers_the_changed_reconfirmation(Harness::new($backend));
        }
        #[test]
        fn the_visit_date_is_corrected_only_with_a_reason_and_never_after_a_reconfirmation() {
            conformance::the_visit_date_is_corrected_only_with_a_reason_and_never_after_a_reconfirmation(Harness::new($backend));
        }
        #[test]
        fn tamper_an_edited_answer_row_is_named_by_screening_and_criterion() {
            conformance::tamper_an_edited_answer_row_is_named_by_screening_and_criterion($backend);
        }
        #[test]
        fn tamper_an_edited_status_is_named() {
            conformance::tamper_an_edited_status_is_named($backend);
        }
        #[test]
        fn tamper_an_edited_cached_verdict_is_named() {
            conformance::tamper_an_edited_cached_verdict_is_named($backend);
        }
        #[test]
        fn tamper_an_edited_candidate_field_is_named() {
            conformance::tamper_an_edited_candidate_field_is_named($backend);
        }
        #[test]
        fn tamper_an_edited_stored_definition_is_refused_on_load_and_named() {
            conformance::tamper_an_edited_stored_definition_is_refused_on_load_and_named($backend);
        }
        #[test]
        fn tamper_an_inserted_answer_row_is_named() {
            conformance::tamper_an_inserted_answer_row_is_named($backend);
        }
    };
}
