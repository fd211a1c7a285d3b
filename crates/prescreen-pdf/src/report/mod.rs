//! The screening summary as a PDF: what a monitor, an auditor or the sponsor reads years later.
//!
//! Pure: data in, bytes out — no clock, no files, no UI. The same [`ReportInput`] and
//! [`ReportOptions`] always give the same bytes (the trailer `/ID` is derived from the
//! content), so a report can be re-rendered and compared. Signing (see `crate::signing`)
//! appends to these bytes and never rewrites them.

pub mod confirmation;
pub mod increment;
pub mod layout;
pub mod record;
mod sections;

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};
use lopdf::{Dictionary, Object, Stream};
use printpdf::{
    Color, FontId, Line, LineCapStyle, LineJoinStyle, LinePoint, Mm, Op, PaintMode, PdfDocument,
    PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, TextRenderingMode,
};
use serde::{Deserialize, Serialize};
use sha2_011::{Digest, Sha256};

use prescreen_core::eligibility::Evaluation;
use prescreen_core::screening::Screening;
use prescreen_core::trial::model::TrialDefinition;

use self::increment::{Base, IncrementError, text_string, write_object};
use self::layout::{Draw, Face};

/// Everything a report shows, gathered before rendering so rendering stays pure.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    /// The trial definition the screening was answered against.
    pub trial: TrialDefinition,
    /// SHA-256 (hex) of that definition file's exact text.
    pub trial_sha256: String,
    /// The screening (its date of birth is used for the age only, never printed).
    pub screening: Screening,
    /// The engine's evaluation of the screening.
    pub evaluation: Evaluation,
    /// The visible §11.50 signature, when the report is to be signed.
    pub signature: Option<SignatureAppearance>,
    /// The screening's audit trail, oldest first (empty when rendered from a file).
    pub audit: Vec<AuditRow>,
    /// The audit chain's latest hash, when the store provides one.
    pub chain_hash: Option<String>,
}

/// Rendering choices that are not part of the record.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// When the report is generated (the clock is an input: same input, same bytes).
    pub generated_at: Timestamp,
    /// The local UTC offset to print next to UTC times.
    pub utc_offset: Offset,
}

pub use prescreen_core::roles::SignatureMeaning;
/// A criterion's answer in words, as the summary prints it (the window shows the same words).
pub use sections::answer_text;

/// The visible signature: who, when, why, and the handwritten strokes.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureAppearance {
    /// Printed name of the signer.
    pub name: String,
    /// The signer's role (e.g. "Clinical research coordinator").
    pub role: String,
    /// The signer's site.
    pub site: String,
    /// When the signature was applied (the real signing time).
    pub signed_at: Timestamp,
    /// The signer's UTC offset at that moment.
    pub utc_offset: Offset,
    /// What the signature means.
    pub meaning: SignatureMeaning,
    /// The handwritten signature as strokes of points in 0..1 (x right, y down), as drawn.
    pub strokes: Vec<Vec<(f32, f32)>>,
}

/// One audit-trail entry as printed in the appendix (filled by the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// When, UTC.
    pub at_utc: Timestamp,
    /// The local offset in seconds east of UTC at that time.
    pub utc_offset_seconds: i32,
    /// Who made the change.
    pub who: String,
    /// What changed (e.g. "answer IN05").
    pub what: String,
    /// The value before, if any.
    pub old_value: Option<String>,
    /// The value after, if any.
    pub new_value: Option<String>,
    /// Why (required for corrections).
    pub reason: Option<String>,
}

impl AuditRow {
    /// The row as printed and embedded: a date-of-birth change never shows its values (the
    /// report holds the age only).
    pub fn redacted(&self) -> Self {
        let mut row = self.clone();
        if row.what.to_ascii_lowercase().contains("birth") {
            let hidden = "(date of birth — not shown)".to_owned();
            row.old_value = row.old_value.map(|_| hidden.clone());
            row.new_value = row.new_value.map(|_| hidden);
        }
        row
    }
}

/// Why a report could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The embedded font could not be parsed (a build defect, not a user error).
    #[error("the report font could not be loaded")]
    Font,
    /// The screening belongs to another trial definition than the one supplied.
    #[error("screening {screening} was answered for {got}, not {expected}")]
    WrongTrial {
        /// Screening id.
        screening: String,
        /// The trial/version the screening names.
        got: String,
        /// The trial/version supplied.
        expected: String,
    },
    /// The machine-readable record could not be encoded.
    #[error("cannot encode the screening record: {0}")]
    Record(String),
    /// The PDF printpdf produced could not be extended.
    #[error(transparent)]
    Pdf(#[from] IncrementError),
}

/// Where the signature block sits, so a digital signature's widget can cover it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignatureRect {
    /// 0-based page index.
    pub page: usize,
    /// [x1, y1, x2, y2] in points, origin bottom left.
    pub rect: [f32; 4],
}

/// A rendered report and facts signing needs about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// The signature block's position.
    pub signature_rect: SignatureRect,
    /// Where the investigator's countersignature goes (under a coordinator's signature).
    pub confirmation_rect: Option<SignatureRect>,
    /// Number of pages.
    pub page_count: usize,
}

/// Renders the report to PDF bytes.
pub fn render(input: &ReportInput, options: &ReportOptions) -> Result<Vec<u8>, ReportError> {
    render_with_layout(input, options).map(|r| r.pdf)
}

/// The report's pages as drawing primitives (the same layout the PDF is written from): what
/// the window shows as page images, e.g. to the investigator before countersigning.
pub fn page_drawings(
    input: &ReportInput,
    options: &ReportOptions,
) -> Result<Vec<Vec<layout::Draw>>, ReportError> {
    let fonts = layout::fonts().ok_or(ReportError::Font)?;
    Ok(sections::lay_out(fonts, input, options).pages)
}

/// Renders the report and says where the signature block is (for the signature widget).
pub fn render_with_layout(
    input: &ReportInput,
    options: &ReportOptions,
) -> Result<Rendered, ReportError> {
    let screening = &input.screening;
    if screening.trial.id != input.trial.id || screening.trial.version != input.trial.version() {
        return Err(ReportError::WrongTrial {
            screening: screening.screening_id.clone(),
            got: format!("{} {}", screening.trial.id, screening.trial.version),
            expected: format!("{} {}", input.trial.id, input.trial.version()),
        });
    }
    let fonts = layout::fonts().ok_or(ReportError::Font)?;
    let laid_out = sections::lay_out(fonts, input, options);
    let page_count = laid_out.pages.len();

    let mut doc = PdfDocument::new(&format!(
        "{} pre-screening summary {}",
        input.trial.acronym, screening.screening_id
    ));
    // A fixed id: it becomes the subset tag and the resource name, so output is reproducible.
    let regular = FontId("DJVSRG".to_owned());
    doc.resources
        .fonts
        .map
        .insert(regular.clone(), PdfFont::new(fonts.regular.clone()));
    let date = pdf_datetime(options.generated_at, options.utc_offset);
    let info = &mut doc.metadata.info;
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;
    info.creator = format!("prescreen {}", env!("CARGO_PKG_VERSION"));
    info.producer = format!("prescreen {} (printpdf)", env!("CARGO_PKG_VERSION"));
    info.subject = format!(
        "{} — {} {} — {}",
        screening.screening_id,
        input.trial.acronym,
        input.trial.version(),
        input.evaluation.verdict.name()
    );

    let pages: Vec<PdfPage> = laid_out
        .pages
        .iter()
        .map(|draws| {
            let mut ops = Vec::with_capacity(draws.len() * 6);
            for draw in draws {
                push_ops(&mut ops, draw, &regular);
            }
            PdfPage::new(Mm(210.0), Mm(297.0), ops)
        })
        .collect();
    doc.with_pages(pages);
    let options_save = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut pdf = doc.save(&options_save, &mut Vec::new());
    set_document_id(&mut pdf);
    let record = record::ScreeningRecord::from_input(input)
        .to_ron()
        .map_err(ReportError::Record)?;
    append_record(&mut pdf, &record, &screening.screening_id, options)?;
    Ok(Rendered {
        pdf,
        signature_rect: laid_out.signature_rect,
        confirmation_rect: laid_out.confirmation_rect,
        page_count,
    })
}

/// A printpdf date from a timestamp and offset.
fn pdf_datetime(at: Timestamp, offset: Offset) -> printpdf::DateTime {
    let local = at.to_zoned(TimeZone::fixed(offset));
    let seconds = offset.seconds();
    printpdf::DateTime {
        date: printpdf::Date {
            year: i32::from(local.year()),
            month: local.month() as u8,
            day: local.day() as u8,
        },
        time: printpdf::Time {
            hour: local.hour() as u8,
            minute: local.minute() as u8,
            second: local.second() as u8,
            millisecond: 0,
        },
        offset: printpdf::Offset {
            hours: (seconds / 3600) as i8,
            minutes: ((seconds % 3600) / 60) as i8,
            seconds: (seconds % 60) as i8,
            milliseconds: 0,
        },
    }
}

fn colour(c: layout::Rgb) -> Color {
    Color::Rgb(printpdf::Rgb {
        r: c.0,
        g: c.1,
        b: c.2,
        icc_profile: None,
    })
}

fn point(x: f32, y: f32) -> Point {
    Point { x: Pt(x), y: Pt(y) }
}

fn push_ops(ops: &mut Vec<Op>, draw: &Draw, font: &FontId) {
    match draw {
        Draw::Text {
            x,
            y,
            face,
            size,
            colour: c,
            text,
        } => {
            ops.push(Op::StartTextSection);
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size: Pt(*size),
            });
            ops.push(Op::SetFillColor { col: colour(*c) });
            let mode = match face {
                Face::Regular => TextRenderingMode::Fill,
                Face::Bold => {
                    ops.push(Op::SetOutlineColor { col: colour(*c) });
                    ops.push(Op::SetOutlineThickness {
                        pt: Pt(size * 0.045),
                    });
                    TextRenderingMode::FillStroke
                }
            };
            ops.push(Op::SetTextRenderingMode { mode });
            ops.push(Op::SetTextCursor { pos: point(*x, *y) });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(text.clone())],
            });
            ops.push(Op::EndTextSection);
        }
        Draw::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        } => {
            if let Some(f) = fill {
                ops.push(Op::SetFillColor { col: colour(*f) });
            }
            if let Some((s, width)) = stroke {
                ops.push(Op::SetOutlineColor { col: colour(*s) });
                ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
            }
            let mode = match (fill.is_some(), stroke.is_some()) {
                (true, true) => PaintMode::FillStroke,
                (false, true) => PaintMode::Stroke,
                _ => PaintMode::Fill,
            };
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(*x),
                    y: Pt(*y),
                    width: Pt(*w),
                    height: Pt(*h),
                    mode: Some(mode),
                    winding_order: None,
                },
            });
        }
        Draw::Line {
            points,
            colour: c,
            width,
        } => {
            if points.len() < 2 {
                return;
            }
            ops.push(Op::SetOutlineColor { col: colour(*c) });
            ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
            // Round joins and caps: the handwritten strokes look like ink, not wire.
            ops.push(Op::SetLineJoinStyle {
                join: LineJoinStyle::Round,
            });
            ops.push(Op::SetLineCapStyle {
                cap: LineCapStyle::Round,
            });
            ops.push(Op::DrawLine {
                line: Line {
                    points: points
                        .iter()
                        .map(|&(x, y)| LinePoint {
                            p: point(x, y),
                            bezier: false,
                        })
                        .collect(),
                    is_closed: false,
                },
            });
        }
    }
}

/// Replaces printpdf's counter-based trailer `/ID` strings (same length) with ones derived
/// from the SHA-256 of the rest of the file, so identical input gives identical bytes.
fn set_document_id(pdf: &mut [u8]) {
    let Some(start) = pdf.windows(4).rposition(|w| w == b"/ID[" || w == b"/ID ") else {
        return;
    };
    let Some(len) = pdf[start..].iter().position(|&b| b == b']') else {
        return;
    };
    let end = start + len;
    // Blank the strings' contents before hashing.
    let mut spans = Vec::new();
    let mut i = start;
    while i < end {
        if pdf[i] == b'(' {
            let close = pdf[i..end].iter().position(|&b| b == b')').map(|p| i + p);
            if let Some(close) = close {
                spans.push((i + 1, close));
                i = close;
            }
        }
        i += 1;
    }
    for &(a, b) in &spans {
        pdf[a..b].fill(b'0');
    }
    let digest = Sha256::digest(&*pdf);
    let hex: Vec<u8> = digest
        .iter()
        .flat_map(|b| format!("{b:02X}").into_bytes())
        .collect();
    for &(a, b) in &spans {
        for (n, byte) in pdf[a..b].iter_mut().enumerate() {
            *byte = hex[n % hex.len()];
        }
    }
}

/// The embedded record's file name.
pub fn record_file_name(screening_id: &str) -> String {
    let safe: String = screening_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("screening-{safe}.ron")
}

/// Appends the machine-readable record as an embedded file (PDF 1.7 §7.11.4) in an
/// incremental update: an EmbeddedFile stream, its file specification, and the catalog with
/// `/Names /EmbeddedFiles` and `/AF`.
fn append_record(
    pdf: &mut Vec<u8>,
    record: &str,
    screening_id: &str,
    options: &ReportOptions,
) -> Result<(), IncrementError> {
    let mut base = Base::read(pdf)?;
    let root_id = base.root_id()?;
    let mut catalog = base.dictionary(root_id)?;
    let stream_id = base.allocate();
    let spec_id = base.allocate();
    let name = record_file_name(screening_id);
    let moment = options
        .generated_at
        .to_zoned(TimeZone::fixed(options.utc_offset));
    let mod_date = pdf_date_string(&moment);

    let mut params = Dictionary::new();
    params.set("Size", Object::Integer(record.len() as i64));
    params.set(
        "ModDate",
        Object::String(mod_date.into_bytes(), lopdf::StringFormat::Literal),
    );
    let mut stream_dict = Dictionary::new();
    stream_dict.set("Type", Object::Name(b"EmbeddedFile".to_vec()));
    stream_dict.set("Subtype", Object::Name(b"text/plain".to_vec()));
    stream_dict.set("Params", Object::Dictionary(params));
    let mut stream = Stream::new(stream_dict, record.as_bytes().to_vec());
    // Compression is an optimisation; an uncompressed record is still valid.
    let _ = stream.compress();

    let mut ef = Dictionary::new();
    ef.set("F", Object::Reference((stream_id, 0)));
    ef.set("UF", Object::Reference((stream_id, 0)));
    let mut spec = Dictionary::new();
    spec.set("Type", Object::Name(b"Filespec".to_vec()));
    spec.set("F", text_string(&name));
    spec.set("UF", text_string(&name));
    spec.set("EF", Object::Dictionary(ef));
    spec.set(
        "Desc",
        text_string("Machine-readable screening record (RON), the data shown on the pages"),
    );
    spec.set("AFRelationship", Object::Name(b"Data".to_vec()));

    let mut names_tree = Dictionary::new();
    names_tree.set(
        "Names",
        Object::Array(vec![text_string(&name), Object::Reference((spec_id, 0))]),
    );
    let mut names = match catalog.get(b"Names") {
        Ok(Object::Dictionary(existing)) => existing.clone(),
        _ => Dictionary::new(),
    };
    names.set("EmbeddedFiles", Object::Dictionary(names_tree));
    catalog.set("Names", Object::Dictionary(names));
    catalog.set("AF", Object::Array(vec![Object::Reference((spec_id, 0))]));
    catalog.set("PageMode", Object::Name(b"UseAttachments".to_vec()));

    let mut objects = Vec::new();
    let mut body = Vec::new();
    write_object(&mut body, &Object::Stream(stream));
    objects.push((stream_id, body));
    let mut body = Vec::new();
    write_object(&mut body, &Object::Dictionary(spec));
    objects.push((spec_id, body));
    let mut body = Vec::new();
    write_object(&mut body, &Object::Dictionary(catalog));
    objects.push((root_id.0, body));
    increment::append(pdf, &base, &objects);
    Ok(())
}

/// `D:YYYYMMDDHHmmSS+HH'mm'` (ISO 32000-1 §7.9.4).
pub fn pdf_date_string(moment: &jiff::Zoned) -> String {
    let seconds = moment.offset().seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.abs();
    format!(
        "D:{}{sign}{:02}'{:02}'",
        moment.strftime("%Y%m%d%H%M%S"),
        abs / 3600,
        (abs % 3600) / 60
    )
}

/// "2026-11-23 14:05:31 UTC (15:05:31 +01:00 local)": unambiguous (ALCOA+).
pub fn format_time(at: Timestamp, offset: Offset) -> String {
    let utc = at.to_zoned(TimeZone::UTC);
    let local = at.to_zoned(TimeZone::fixed(offset));
    format!(
        "{} UTC ({} {} local)",
        utc.strftime("%Y-%m-%d %H:%M:%S"),
        local.strftime("%Y-%m-%d %H:%M:%S"),
        format_offset(offset)
    )
}

/// "+01:00".
pub fn format_offset(offset: Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.abs();
    format!("{sign}{:02}:{:02}", abs / 3600, (abs % 3600) / 60)
}
