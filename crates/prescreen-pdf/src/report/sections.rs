//! The report's sections, in order: trial, candidate, criteria table, verdict, signature
//! block, audit appendix; then the running header and footer on every page.

use prescreen_core::eligibility::{Verdict, age_in_years};
use prescreen_core::screening::{Answer, CriterionEntry, EventAnswer};
use prescreen_core::trial::model::{Criterion, CriterionKind, Rule, Stage};

use super::layout::{
    AMBER, BLACK, BODY_BOTTOM, BODY_WIDTH, Column, Draw, Face, Fonts, GREEN, GREY, INK, LIGHT,
    MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH, PageBuilder, RED, Rgb, table, text_width, wrap,
};
use super::{
    AuditRow, ReportInput, ReportOptions, SignatureAppearance, SignatureRect, format_offset,
    format_time,
};

/// Pages of primitives plus where the signature block landed.
pub struct LaidOut {
    /// Primitives per page.
    pub pages: Vec<Vec<Draw>>,
    /// The signature block's position.
    pub signature_rect: SignatureRect,
    /// Under a coordinator's signature: where the investigator's countersignature goes.
    pub confirmation_rect: Option<SignatureRect>,
}

const BODY: f32 = 9.0;
const SMALL: f32 = 7.6;
const HEADING: f32 = 11.5;
const LABEL_WIDTH: f32 = 118.0;

/// "inclusion" / "exclusion".
pub fn kind_word(kind: CriterionKind) -> &'static str {
    match kind {
        CriterionKind::Inclusion => "inclusion",
        CriterionKind::Exclusion => "exclusion",
    }
}

/// The unit a criterion's numeric answers are in, if any.
fn unit_of(criterion: &Criterion) -> Option<&str> {
    match &criterion.rule {
        Rule::Measurement(m) => Some(m.unit.as_str()),
        Rule::SexDependentLimit(s) => Some(s.unit.as_str()),
        _ => None,
    }
}

/// The answer as printed: yes/no, a value with its unit, a date, or the calculator items.
pub fn answer_text(criterion: &Criterion, entry: Option<&CriterionEntry>) -> String {
    let mut text = answer_only_text(criterion, entry);
    if let Some(judged) = entry.and_then(|e| e.judged_by.as_ref()) {
        text.push_str(&format!(
            "; judged by {} on {}",
            judged.investigator, judged.on
        ));
    }
    if let Some(r) = entry.and_then(|e| e.reconfirmed) {
        text.push_str(&format!(
            "; re-confirmed at the visit on {} ({})",
            r.on,
            match (r.changed, r.new_answer_awaited) {
                (true, true) => "changed, new answer awaited",
                (true, false) => "changed",
                (false, _) => "still true",
            }
        ));
    }
    text
}

fn answer_only_text(criterion: &Criterion, entry: Option<&CriterionEntry>) -> String {
    let Some(entry) = entry else {
        if matches!(criterion.rule, Rule::MinimumAge(_)) {
            return "from the date of birth (not printed)".to_owned();
        }
        return "— (not answered)".to_owned();
    };
    match &entry.answer {
        Answer::Unknown => "unknown".to_owned(),
        Answer::Yes => "yes".to_owned(),
        Answer::No => "no".to_owned(),
        Answer::Value(value) => match unit_of(criterion) {
            Some(unit) => format!("{value} {unit}"),
            None => value.to_string(),
        },
        Answer::Event(EventAnswer::Never) => "never".to_owned(),
        Answer::Event(EventAnswer::Ongoing) => "ongoing".to_owned(),
        Answer::Event(EventAnswer::LastOn(date)) => format!("last on {date}"),
        Answer::DocumentedClassification { source } | Answer::DocumentedDiagnosis { source } => {
            match &criterion.rule {
                Rule::Classification(rule) => format!(
                    "classification per the {}, documented in {source}",
                    rule.calculator.label()
                ),
                _ => format!("classification documented in {source}"),
            }
        }
        Answer::Pss2016(input) => items_text(input),
        Answer::Ssc2013(input) => items_text(input),
        Answer::Mhiss(input) => items_text(input),
        Answer::SalivaFlow(input) => items_text(input),
        Answer::Alcohol(input) => items_text(input),
    }
}

/// Calculator inputs as "item: value; …", generated from their serde form so every field
/// shows, with yes/no for booleans and "?" for unknowns.
fn items_text<T: serde::Serialize>(input: &T) -> String {
    fn value_text(value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::Null => "?".to_owned(),
            serde_json::Value::Bool(true) => "yes".to_owned(),
            serde_json::Value::Bool(false) => "no".to_owned(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => {
                items.iter().map(value_text).collect::<Vec<_>>().join(", ")
            }
            serde_json::Value::Object(map) => {
                let mut parts: Vec<String> = map
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| format!("{}: {}", k.replace('_', " "), value_text(v)))
                    .collect();
                let unrecorded = map.values().filter(|v| v.is_null()).count();
                if unrecorded > 0 {
                    parts.push(format!("{unrecorded} item(s) not recorded"));
                }
                parts.join("; ")
            }
        }
    }
    match serde_json::to_value(input) {
        Ok(value) => value_text(&value),
        Err(_) => "(answer could not be shown)".to_owned(),
    }
}

fn stage_word(stage: Stage) -> &'static str {
    match stage {
        Stage::PreScreen => "pre-screen",
        Stage::ScreeningVisit => "at visit",
    }
}

fn section_heading(builder: &mut PageBuilder, text: &str) {
    builder.ensure(HEADING * 3.5);
    builder.y -= 6.0;
    builder.line(MARGIN_X, Face::Bold, HEADING, BLACK, text, HEADING * 1.35);
    builder.push(Draw::Line {
        points: vec![
            (MARGIN_X, builder.y + 2.0),
            (MARGIN_X + BODY_WIDTH, builder.y + 2.0),
        ],
        colour: GREY,
        width: 0.5,
    });
    builder.y -= 3.0;
}

fn key_values(builder: &mut PageBuilder, fonts: &Fonts, rows: &[(&str, String)]) {
    let leading = BODY * 1.3;
    for (label, value) in rows {
        let lines = wrap(fonts, Face::Regular, BODY, value, BODY_WIDTH - LABEL_WIDTH);
        builder.ensure(lines.len() as f32 * leading);
        builder.push(Draw::Text {
            x: MARGIN_X,
            y: builder.y - BODY,
            face: Face::Bold,
            size: BODY,
            colour: GREY,
            text: (*label).to_owned(),
        });
        for line in lines {
            builder.line(
                MARGIN_X + LABEL_WIDTH,
                Face::Regular,
                BODY,
                BLACK,
                &line,
                leading,
            );
        }
    }
}

/// Lays out every section and adds headers and footers.
pub fn lay_out(fonts: &Fonts, input: &ReportInput, options: &ReportOptions) -> LaidOut {
    let trial = &input.trial;
    let screening = &input.screening;
    let evaluation = &input.evaluation;
    let mut b = PageBuilder::new();

    b.line(
        MARGIN_X,
        Face::Bold,
        16.0,
        BLACK,
        "Eligibility pre-screening summary",
        22.0,
    );
    b.paragraph(
        fonts,
        MARGIN_X,
        BODY_WIDTH,
        Face::Regular,
        BODY,
        GREY,
        &format!(
            "{} — {}. This summary shows every criterion as registered, the answers, and the \
             verdict computed by prescreen from the trial definition below.",
            trial.acronym, trial.short_title
        ),
    );

    section_heading(&mut b, "Trial");
    let identifiers = trial
        .identifiers
        .iter()
        .map(|i| i.display())
        .collect::<Vec<_>>()
        .join(" · ");
    key_values(
        &mut b,
        fonts,
        &[
            ("Title", trial.official_title.clone()),
            ("Registry ids", identifiers),
            ("Sponsor", trial.sponsor.clone()),
            (
                "Phase",
                trial
                    .phase
                    .clone()
                    .unwrap_or_else(|| "not specified".to_owned()),
            ),
            (
                "Definition",
                format!("{} version {}", trial.id, trial.version()),
            ),
            ("SHA-256", input.trial_sha256.clone()),
            (
                "Criteria source",
                format!(
                    "{} — {}",
                    trial.provenance.source_registry, trial.provenance.source_record
                ),
            ),
        ],
    );

    section_heading(&mut b, "Candidate");
    let age = screening
        .candidate
        .date_of_birth
        .and_then(|dob| age_in_years(dob, screening.prescreening_date))
        .map(|age| format!("{age} years (completed, on the pre-screening date)"))
        .unwrap_or_else(|| "unknown".to_owned());
    let mut candidate_rows = vec![
        ("Screening id", screening.screening_id.clone()),
        ("Initials", screening.candidate.initials.clone()),
        ("Age at screening", age),
        (
            "Sex",
            screening
                .candidate
                .sex
                .map(|s| s.label().to_owned())
                .unwrap_or_else(|| "unknown".to_owned()),
        ),
    ];
    for (label, value) in [
        (
            "Childbearing potential",
            screening.candidate.childbearing_potential,
        ),
        ("Pregnant", screening.candidate.pregnant),
        ("Breastfeeding", screening.candidate.breastfeeding),
    ] {
        if let Some(value) = value {
            candidate_rows.push((label, if value { "yes" } else { "no" }.to_owned()));
        }
    }
    candidate_rows.push((
        "Pre-screening date",
        screening.prescreening_date.to_string(),
    ));
    candidate_rows.push((
        "Planned visit",
        screening
            .planned_visit_date
            .map(|d| format!("{d} ({})", trial.visit_name))
            .unwrap_or_else(|| "not planned yet".to_owned()),
    ));
    if let Some(held) = screening.visit_date {
        candidate_rows.push((
            "Visit held",
            format!("{held} ({}; windows counted from it)", trial.visit_name),
        ));
    }
    if let Some(coordinator) = &screening.coordinator {
        candidate_rows.push(("Screened by", coordinator.clone()));
    }
    key_values(&mut b, fonts, &candidate_rows);

    section_heading(
        &mut b,
        &format!(
            "Criteria ({}: {})",
            evaluation.criteria.len(),
            evaluation.counts
        ),
    );
    let columns = [
        Column {
            heading: "ID",
            width: 52.0,
        },
        Column {
            heading: "Criterion (registry text, verbatim)",
            width: 170.0,
        },
        Column {
            heading: "Answer",
            width: 82.0,
        },
        Column {
            heading: "Result and explanation",
            width: 118.0,
        },
        Column {
            heading: "Note · evidence",
            width: BODY_WIDTH - 52.0 - 170.0 - 82.0 - 118.0,
        },
    ];
    let rows: Vec<Vec<String>> = trial
        .criteria
        .iter()
        .map(|criterion| {
            let entry = screening.answers.get(&criterion.id);
            let finding = evaluation.criterion(&criterion.id);
            let mut text = criterion.text.clone();
            if let Some(note) = &criterion.note {
                text.push_str(&format!("\n[Reading: {note}]"));
            }
            let result = finding
                .map(|f| {
                    format!(
                        "{}: {}",
                        f.status.label(f.kind).to_uppercase(),
                        f.explanation
                    )
                })
                .unwrap_or_default();
            let mut note_evidence = Vec::new();
            if let Some(note) = entry.and_then(|e| e.note.as_deref()) {
                note_evidence.push(format!("Note: {note}"));
            }
            if let Some(evidence) = entry.and_then(|e| e.evidence.as_deref()) {
                note_evidence.push(format!("Evidence: {evidence}"));
            }
            vec![
                format!(
                    "{}\n{}\n{}",
                    criterion.id,
                    kind_word(criterion.kind),
                    stage_word(criterion.stage)
                ),
                text,
                answer_text(criterion, entry),
                result,
                note_evidence.join("\n"),
            ]
        })
        .collect();
    table(&mut b, fonts, &columns, &rows, SMALL);

    verdict_box(&mut b, fonts, input);
    let signature_rect = signature_block(
        &mut b,
        fonts,
        input.signature.as_ref(),
        evaluation.verdict.is_settled(),
    );
    // A coordinator's signature leaves room for the investigator's confirmation.
    let confirmation_rect = input
        .signature
        .as_ref()
        .filter(|sig| sig.meaning.signed_by() == prescreen_core::roles::SignerRole::Coordinator)
        .map(|_| super::confirmation::confirmation_box(&mut b));
    audit_appendix(&mut b, fonts, input);

    let mut pages = b.pages;
    let total = pages.len();
    let draft = input.signature.is_none();
    for (index, page) in pages.iter_mut().enumerate() {
        header_footer(page, fonts, input, options, index + 1, total, draft);
    }
    LaidOut {
        pages,
        signature_rect,
        confirmation_rect,
    }
}

fn verdict_box(b: &mut PageBuilder, fonts: &Fonts, input: &ReportInput) {
    let trial = &input.trial;
    let verdict = &input.evaluation.verdict;
    let (colour, summary, lists): (Rgb, String, Vec<(String, &Vec<String>)>) = match verdict {
        Verdict::NotEligible { failing, missing } => (
            RED,
            "The candidate does not meet the criteria below.".to_owned(),
            vec![
                ("Reasons".to_owned(), failing),
                ("Also still open".to_owned(), missing),
            ],
        ),
        Verdict::Incomplete { missing } => (
            AMBER,
            "Pre-screen criteria are still unanswered or unknown; no decision can be made."
                .to_owned(),
            vec![("Still open".to_owned(), missing)],
        ),
        Verdict::PreScreenPassed { pending } => (
            GREEN,
            format!(
                "Every pre-screen criterion passes. Pending at the {}:",
                trial.visit_name
            ),
            vec![(format!("Pending at the {}", trial.visit_name), pending)],
        ),
        Verdict::Eligible => (
            GREEN,
            format!(
                "All {} criteria are settled and pass.",
                input.evaluation.criteria.len()
            ),
            vec![],
        ),
    };
    let inner = BODY_WIDTH - 20.0;
    // (face, size, text, indent): a bullet's continuation lines are indented under its text.
    let mut lines: Vec<(Face, f32, String, f32)> = Vec::new();
    lines.push((
        Face::Bold,
        15.0,
        format!("VERDICT: {}", verdict.name()),
        0.0,
    ));
    // The visit check beside the verdict: what is still to re-confirm (it gates enrolment).
    if let Some(open) = input.evaluation.visit_summary(&trial.visit_name) {
        let items = input.evaluation.visit.open_items().join(", ");
        for line in wrap(
            fonts,
            Face::Bold,
            BODY,
            &format!("Visit check: {open} ({items})."),
            inner,
        ) {
            lines.push((Face::Bold, BODY, line, 0.0));
        }
    }
    if let Some(rescreen) = &input.evaluation.rescreen {
        let advice = format!(
            "Every failing criterion is time-limited: {}.",
            rescreen.text()
        );
        for line in wrap(fonts, Face::Bold, BODY, &advice, inner) {
            lines.push((Face::Bold, BODY, line, 0.0));
        }
    }
    for line in wrap(fonts, Face::Regular, BODY, &summary, inner) {
        lines.push((Face::Regular, BODY, line, 0.0));
    }
    for (heading, ids) in lists {
        if ids.is_empty() {
            continue;
        }
        lines.push((Face::Bold, BODY, format!("{heading}:"), 0.0));
        for id in ids {
            let text = trial
                .criterion(id)
                .map(|c| c.short_text())
                .unwrap_or_default();
            let why = input
                .evaluation
                .criterion(id)
                .map(|f| f.explanation.as_str())
                .unwrap_or_default();
            for (n, line) in wrap(
                fonts,
                Face::Regular,
                BODY,
                &format!("• {id} {text} — {why}"),
                inner - 8.0,
            )
            .into_iter()
            .enumerate()
            {
                let indent = if n == 0 { 0.0 } else { 8.0 };
                lines.push((Face::Regular, BODY, line, indent));
            }
        }
    }
    let height: f32 = lines.iter().map(|(_, size, _, _)| size * 1.35).sum::<f32>() + 16.0;
    b.y -= 10.0;
    b.ensure(height);
    let top = b.y;
    b.push(Draw::Rect {
        x: MARGIN_X,
        y: top - height,
        w: BODY_WIDTH,
        h: height,
        fill: None,
        stroke: Some((colour, 1.6)),
    });
    let mut y = top - 8.0;
    for (n, (face, size, text, indent)) in lines.iter().enumerate() {
        b.push(Draw::Text {
            x: MARGIN_X + 10.0 + indent,
            y: y - size,
            face: *face,
            size: *size,
            colour: if n == 0 { colour } else { BLACK },
            text: text.clone(),
        });
        y -= size * 1.35;
    }
    b.y = top - height;
}

const SIGNATURE_HEIGHT: f32 = 142.0;

fn signature_block(
    b: &mut PageBuilder,
    fonts: &Fonts,
    signature: Option<&SignatureAppearance>,
    settled: bool,
) -> SignatureRect {
    b.y -= 12.0;
    b.ensure(SIGNATURE_HEIGHT + 4.0);
    let top = b.y;
    let bottom = top - SIGNATURE_HEIGHT;
    b.push(Draw::Rect {
        x: MARGIN_X,
        y: bottom,
        w: BODY_WIDTH,
        h: SIGNATURE_HEIGHT,
        fill: None,
        stroke: Some((BLACK, 0.8)),
    });
    b.push(Draw::Text {
        x: MARGIN_X + 8.0,
        y: top - 15.0,
        face: Face::Bold,
        size: HEADING,
        colour: BLACK,
        text: "Electronic signature (21 CFR Part 11 §11.50)".to_owned(),
    });
    let text_width_max = 300.0;
    let mut y = top - 32.0;
    let mut row = |b: &mut PageBuilder, label: &str, value: &str| {
        b.push(Draw::Text {
            x: MARGIN_X + 8.0,
            y,
            face: Face::Bold,
            size: BODY,
            colour: GREY,
            text: label.to_owned(),
        });
        for line in wrap(fonts, Face::Regular, BODY, value, text_width_max - 70.0) {
            b.push(Draw::Text {
                x: MARGIN_X + 78.0,
                y,
                face: Face::Regular,
                size: BODY,
                colour: BLACK,
                text: line,
            });
            y -= BODY * 1.3;
        }
        y -= 1.5;
    };
    let pad_x = MARGIN_X + text_width_max + 16.0;
    let pad_w = MARGIN_X + BODY_WIDTH - pad_x - 10.0;
    let pad_y = bottom + 22.0;
    let pad_h = SIGNATURE_HEIGHT - 46.0;
    match signature {
        Some(sig) => {
            row(b, "Printed name", &sig.name);
            row(b, "Role", &sig.role);
            row(b, "Site", &sig.site);
            row(b, "Signed", &format_time(sig.signed_at, sig.utc_offset));
            row(b, "Meaning", sig.meaning.statement());
            if sig.strokes.iter().all(|s| s.is_empty()) {
                // No handwriting: the signer adopted their printed name as a typed signature
                // (a keyboard-only signature), and the page says so.
                b.push(Draw::Text {
                    x: pad_x + 6.0,
                    y: pad_y + pad_h * 0.45,
                    face: Face::Bold,
                    size: 15.0,
                    colour: INK,
                    text: sig.name.clone(),
                });
            }
            // Handwritten strokes, scaled into the pad keeping their aspect ratio 3:1.
            for stroke in &sig.strokes {
                let points: Vec<(f32, f32)> = stroke
                    .iter()
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .map(|&(x, y)| {
                        let x = x.clamp(0.0, 1.0);
                        let y = y.clamp(0.0, 1.0);
                        (pad_x + x * pad_w, pad_y + (1.0 - y) * pad_h)
                    })
                    .collect();
                if points.len() >= 2 {
                    b.push(Draw::Line {
                        points,
                        colour: INK,
                        width: 1.2,
                    });
                } else if let Some(&(x, y)) = points.first() {
                    b.push(Draw::Line {
                        points: vec![(x, y), (x + 0.8, y)],
                        colour: INK,
                        width: 1.2,
                    });
                }
            }
        }
        None => {
            let message = if settled {
                "Not signed. This copy is a draft: it carries no signature and proves nothing \
                 about who confirmed the answers."
            } else {
                "Not signed: the verdict is INCOMPLETE, and only a settled verdict can be signed."
            };
            row(b, "Status", "DRAFT — NOT SIGNED");
            row(b, "", message);
        }
    }
    b.push(Draw::Line {
        points: vec![(pad_x, pad_y - 2.0), (pad_x + pad_w, pad_y - 2.0)],
        colour: GREY,
        width: 0.5,
    });
    b.push(Draw::Text {
        x: pad_x,
        y: pad_y - 11.0,
        face: Face::Regular,
        size: SMALL,
        colour: GREY,
        text: if signature.is_some_and(|sig| sig.strokes.iter().all(|s| s.is_empty())) {
            "Typed signature (adopted, not handwritten)".to_owned()
        } else {
            "Handwritten signature".to_owned()
        },
    });
    if signature.is_some() {
        let note = "Digitally signed (PAdES): any change after signing invalidates the \
                    signature. Check with `prescreen verify`.";
        for (n, line) in wrap(fonts, Face::Regular, SMALL - 0.6, note, text_width_max)
            .into_iter()
            .take(2)
            .enumerate()
        {
            b.push(Draw::Text {
                x: MARGIN_X + 8.0,
                y: bottom + 15.0 - n as f32 * 8.0,
                face: Face::Regular,
                size: SMALL - 0.6,
                colour: GREY,
                text: line,
            });
        }
    }
    b.y = bottom;
    SignatureRect {
        page: b.page_index(),
        rect: [MARGIN_X, bottom, MARGIN_X + BODY_WIDTH, top],
    }
}

fn audit_appendix(b: &mut PageBuilder, fonts: &Fonts, input: &ReportInput) {
    b.new_page();
    b.line(
        MARGIN_X,
        Face::Bold,
        13.0,
        BLACK,
        "Appendix — audit trail of this screening",
        18.0,
    );
    // The chain head first: it then never stands alone on a last page.
    let chain = input
        .chain_hash
        .clone()
        .unwrap_or_else(|| "not available (not rendered from the store)".to_owned());
    key_values(b, fonts, &[("Audit chain latest hash", chain)]);
    b.y -= 6.0;
    if input.audit.is_empty() {
        b.paragraph(
            fonts,
            MARGIN_X,
            BODY_WIDTH,
            Face::Regular,
            BODY,
            GREY,
            "No audit trail entries were supplied: this report was rendered from a screening \
             file, not from the screening store.",
        );
    } else {
        let columns = [
            Column {
                heading: "When (UTC, offset)",
                width: 96.0,
            },
            Column {
                heading: "Who",
                width: 70.0,
            },
            Column {
                heading: "What",
                width: 80.0,
            },
            Column {
                heading: "Old → new",
                width: 140.0,
            },
            Column {
                heading: "Reason",
                width: BODY_WIDTH - 96.0 - 70.0 - 80.0 - 140.0,
            },
        ];
        let rows: Vec<Vec<String>> = input
            .audit
            .iter()
            .map(AuditRow::redacted)
            .map(|row| {
                let offset = jiff::tz::Offset::from_seconds(row.utc_offset_seconds)
                    .unwrap_or(jiff::tz::Offset::UTC);
                vec![
                    format!(
                        "{} UTC\n{}",
                        row.at_utc
                            .to_zoned(jiff::tz::TimeZone::UTC)
                            .strftime("%Y-%m-%d %H:%M:%S"),
                        format_offset(offset)
                    ),
                    row.who.clone(),
                    what_in_words(input, &row),
                    change_in_words(input, &row),
                    row.reason.clone().unwrap_or_default(),
                ]
            })
            .collect();
        table(b, fonts, &columns, &rows, SMALL);
        b.y -= 6.0;
        b.paragraph(
            fonts,
            MARGIN_X,
            BODY_WIDTH,
            Face::Regular,
            SMALL,
            GREY,
            "Values are shown in words; the exact recorded values are in the embedded record.",
        );
    }
}

/// The criterion an answer event is about, when the row is one (`answer_set IN04`, …).
fn answer_event_criterion<'a>(input: &'a ReportInput, row: &AuditRow) -> Option<&'a Criterion> {
    let (action, target) = row.what.split_once(' ')?;
    if !matches!(
        action,
        "answer_set" | "answer_changed" | "answer_cleared" | "note_changed" | "answer_reconfirmed"
    ) {
        return None;
    }
    input.trial.criteria.iter().find(|c| c.id == target)
}

/// "IN04 answer", "status", "date of birth": what a monitor reads.
fn what_in_words(input: &ReportInput, row: &AuditRow) -> String {
    match answer_event_criterion(input, row) {
        Some(criterion) if row.what.starts_with("note_changed") => {
            format!("{} note or evidence", criterion.id)
        }
        Some(criterion) if row.what.starts_with("answer_reconfirmed") => {
            format!("{} re-confirmed at the visit", criterion.id)
        }
        Some(criterion) => format!("{} answer", criterion.id),
        None => row.what.replace('_', " "),
    }
}

/// "unknown → 2 points" for an answer event (the stored RON read back and printed as the
/// criteria table prints it); other events as recorded.
fn change_in_words(input: &ReportInput, row: &AuditRow) -> String {
    let Some(criterion) = answer_event_criterion(input, row) else {
        return format!(
            "{} → {}",
            row.old_value.as_deref().unwrap_or("—"),
            row.new_value.as_deref().unwrap_or("—")
        );
    };
    let words = |value: Option<&str>| -> String {
        let Some(text) = value else {
            return "—".to_owned();
        };
        match prescreen_core::trial::load::ron_options().from_str::<CriterionEntry>(text) {
            Ok(entry) => {
                let mut out = answer_text(criterion, Some(&entry));
                if let Some(note) = &entry.note {
                    out.push_str(&format!("; note: {note}"));
                }
                if let Some(evidence) = &entry.evidence {
                    out.push_str(&format!("; evidence: {evidence}"));
                }
                out
            }
            Err(_) => text.to_owned(),
        }
    };
    format!(
        "{} → {}",
        words(row.old_value.as_deref()),
        words(row.new_value.as_deref())
    )
}

fn header_footer(
    page: &mut Vec<Draw>,
    fonts: &Fonts,
    input: &ReportInput,
    options: &ReportOptions,
    number: usize,
    total: usize,
    draft: bool,
) {
    let trial = &input.trial;
    let top = PAGE_HEIGHT - 28.0;
    let right = MARGIN_X + BODY_WIDTH;
    page.push(Draw::Text {
        x: MARGIN_X,
        y: top,
        face: Face::Bold,
        size: 10.0,
        colour: BLACK,
        text: trial.acronym.clone(),
    });
    let screening_text = format!("Screening {}", input.screening.screening_id);
    page.push(Draw::Text {
        x: right - text_width(fonts, Face::Bold, 10.0, &screening_text),
        y: top,
        face: Face::Bold,
        size: 10.0,
        colour: BLACK,
        text: screening_text,
    });
    let ids = trial
        .identifiers
        .iter()
        .map(|i| i.display())
        .collect::<Vec<_>>()
        .join(" · ");
    let page_text = format!("page {number} of {total}");
    let ids_width = BODY_WIDTH - text_width(fonts, Face::Regular, SMALL, &page_text) - 12.0;
    let ids_line = wrap(fonts, Face::Regular, SMALL, &ids, ids_width)
        .into_iter()
        .next()
        .unwrap_or_default();
    page.push(Draw::Text {
        x: MARGIN_X,
        y: top - 11.0,
        face: Face::Regular,
        size: SMALL,
        colour: GREY,
        text: ids_line,
    });
    page.push(Draw::Text {
        x: right - text_width(fonts, Face::Regular, SMALL, &page_text),
        y: top - 11.0,
        face: Face::Regular,
        size: SMALL,
        colour: GREY,
        text: page_text,
    });
    page.push(Draw::Line {
        points: vec![(MARGIN_X, top - 16.0), (right, top - 16.0)],
        colour: GREY,
        width: 0.6,
    });
    if trial.provenance.verified_by.is_none() {
        // Under the header rule on every page, above the body.
        page.push(Draw::Text {
            x: MARGIN_X,
            y: top - 27.0,
            face: Face::Bold,
            size: SMALL - 0.6,
            colour: AMBER,
            text: format!(
                "Note: {} — the criteria were transcribed from the registry record, not yet checked against the protocol.",
                prescreen_core::trial::model::UNVERIFIED_LABEL
            ),
        });
    }
    if draft {
        let text = "DRAFT — NOT SIGNED";
        let size = 11.0;
        let w = text_width(fonts, Face::Bold, size, text);
        let x = (PAGE_WIDTH - w) / 2.0;
        page.push(Draw::Rect {
            x: x - 6.0,
            y: top - 4.0,
            w: w + 12.0,
            h: size + 6.0,
            fill: Some(LIGHT),
            stroke: Some((RED, 1.0)),
        });
        page.push(Draw::Text {
            x,
            y: top,
            face: Face::Bold,
            size,
            colour: RED,
            text: text.to_owned(),
        });
    }
    let footer = format!(
        "Generated by prescreen {} on {} · definition {} {} · verdict {}",
        env!("CARGO_PKG_VERSION"),
        format_time(options.generated_at, options.utc_offset),
        trial.id,
        trial.version(),
        input.evaluation.verdict_line()
    );
    page.push(Draw::Line {
        points: vec![(MARGIN_X, BODY_BOTTOM - 12.0), (right, BODY_BOTTOM - 12.0)],
        colour: GREY,
        width: 0.4,
    });
    for (n, line) in wrap(fonts, Face::Regular, SMALL - 0.6, &footer, BODY_WIDTH)
        .into_iter()
        .take(2)
        .enumerate()
    {
        page.push(Draw::Text {
            x: MARGIN_X,
            y: BODY_BOTTOM - 22.0 - n as f32 * 9.0,
            face: Face::Regular,
            size: SMALL - 0.6,
            colour: GREY,
            text: line,
        });
    }
}
