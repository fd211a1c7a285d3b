//! Page geometry, text measurement, wrapping and page breaks.
//!
//! Layout works on plain drawing primitives ([`Draw`]) in PDF points with the origin at the
//! bottom left, page by page; `mod.rs` turns them into printpdf operations only at the end,
//! once the page count is known (for "page x of y").

use std::sync::OnceLock;

use printpdf::ParsedFont;

/// A4 width in points.
pub const PAGE_WIDTH: f32 = 595.276;
/// A4 height in points.
pub const PAGE_HEIGHT: f32 = 841.89;
/// Left and right margin in points (15 mm).
pub const MARGIN_X: f32 = 42.52;
/// Top of the body area (below the running header).
pub const BODY_TOP: f32 = PAGE_HEIGHT - 62.0;
/// Bottom of the body area (above the footer).
pub const BODY_BOTTOM: f32 = 48.0;
/// Usable width between the margins.
pub const BODY_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;

/// DejaVu Sans regular, shipped with its licence in `assets/fonts/`.
///
/// Bold text is the same face filled and stroked (text rendering mode 2), not DejaVu Sans
/// Bold: DejaVu's hinted glyphs make a second embedded subset cost ~15 KB per report, a
/// quarter of the size budget, for headings only.
pub static REGULAR_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");

/// The face, parsed once per process (parsing takes longer than laying out a report).
pub struct Fonts {
    /// Regular face.
    pub regular: ParsedFont,
}

/// The parsed fonts, or `None` if the embedded font files cannot be parsed (a build defect).
pub fn fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut warnings = Vec::new();
            let regular = ParsedFont::from_bytes(REGULAR_TTF, 0, &mut warnings)?;
            Some(Fonts { regular })
        })
        .as_ref()
}

/// Which face a run of text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans, filled and stroked.
    Bold,
}

/// An RGB colour, components 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

/// Black text.
pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);
/// Secondary text and rules.
pub const GREY: Rgb = Rgb(0.38, 0.38, 0.38);
/// Table header and box fills.
pub const LIGHT: Rgb = Rgb(0.93, 0.93, 0.93);
/// Draft watermark and failing verdicts.
pub const RED: Rgb = Rgb(0.72, 0.07, 0.07);
/// Passing verdicts.
pub const GREEN: Rgb = Rgb(0.05, 0.45, 0.18);
/// Open verdicts.
pub const AMBER: Rgb = Rgb(0.66, 0.42, 0.0);
/// The signature ink.
pub const INK: Rgb = Rgb(0.05, 0.12, 0.45);

/// One drawing primitive, in points, origin bottom left.
#[derive(Debug, Clone, PartialEq)]
pub enum Draw {
    /// A single line of text whose baseline starts at (x, y).
    Text {
        /// Left of the baseline.
        x: f32,
        /// Baseline.
        y: f32,
        /// Face.
        face: Face,
        /// Size in points.
        size: f32,
        /// Colour.
        colour: Rgb,
        /// The text (no line breaks).
        text: String,
    },
    /// A rectangle, filled and/or stroked.
    Rect {
        /// Left.
        x: f32,
        /// Bottom.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
        /// Fill colour, if filled.
        fill: Option<Rgb>,
        /// Stroke colour and width, if stroked.
        stroke: Option<(Rgb, f32)>,
    },
    /// An open polyline.
    Line {
        /// The points.
        points: Vec<(f32, f32)>,
        /// Colour.
        colour: Rgb,
        /// Width in points.
        width: f32,
    },
}

/// Widths in font units, summed in `u64` so that no text, however long, can overflow the sum
/// (a `u32` overflowed after ~2 million wide glyphs: a panic in debug, a wrong layout in
/// release); converted to points only when compared with a width.
struct Measure<'a> {
    fonts: &'a Fonts,
    face: Face,
    size_pt: f32,
    upem: u16,
}

impl<'a> Measure<'a> {
    fn new(fonts: &'a Fonts, face: Face, size_pt: f32) -> Self {
        Self {
            fonts,
            face,
            size_pt,
            upem: fonts.regular.font_metrics.units_per_em.max(1),
        }
    }

    /// Advance of one character in font units (half an em when the font has no glyph).
    fn char_units(&self, c: char) -> u64 {
        let font = &self.fonts.regular;
        font.lookup_glyph_index(u32::from(c))
            .map_or(u64::from(self.upem / 2), |g| {
                u64::from(font.get_horizontal_advance(g))
            })
    }

    /// Advance of a string in font units; saturates rather than wraps.
    fn str_units(&self, text: &str) -> u64 {
        text.chars()
            .fold(0u64, |sum, c| sum.saturating_add(self.char_units(c)))
    }

    /// Font units to points (bold is stroked: a little wider than its advance).
    fn points(&self, units: u64) -> f32 {
        let (scale, stroke_extra_pt) = match self.face {
            Face::Regular => (1.0, 0.0),
            Face::Bold => (1.04, 0.04 * self.size_pt),
        };
        // Precision loss above 2^24 units only rounds a width already far beyond any page.
        units as f32 / f32::from(self.upem) * self.size_pt * scale + stroke_extra_pt
    }
}

/// Advance width of `text` in points (bold is stroked: a little wider than its advance).
pub fn text_width(fonts: &Fonts, face: Face, size: f32, text: &str) -> f32 {
    let measure = Measure::new(fonts, face, size);
    measure.points(measure.str_units(text))
}

/// Greedy word wrapping to `width` points; a word longer than a line is cut between
/// characters. Explicit newlines start a new line. Never returns an empty vector.
///
/// Widths are kept as running sums (each character is measured once), so the cost is linear
/// in the text's length whatever its shape: a note of a million characters or a single word
/// of a hundred thousand lays out without re-measuring the line it is building.
pub fn wrap(fonts: &Fonts, face: Face, size: f32, text: &str, width: f32) -> Vec<String> {
    let measure = Measure::new(fonts, face, size);
    let fits = |units: u64| measure.points(units) <= width;
    let space_units = measure.char_units(' ');
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_units: u64 = 0;
        for word in paragraph.split_whitespace() {
            let word_units = measure.str_units(word);
            if !line.is_empty() {
                let candidate_units = line_units
                    .saturating_add(space_units)
                    .saturating_add(word_units);
                if fits(candidate_units) {
                    line.push(' ');
                    line.push_str(word);
                    line_units = candidate_units;
                    continue;
                }
                lines.push(std::mem::take(&mut line));
                line_units = 0;
            }
            if fits(word_units) {
                line.push_str(word);
                line_units = word_units;
                continue;
            }
            for c in word.chars() {
                let c_units = measure.char_units(c);
                let next_units = line_units.saturating_add(c_units);
                if !line.is_empty() && !fits(next_units) {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                    line_units = c_units;
                } else {
                    line.push(c);
                    line_units = next_units;
                }
            }
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// Pages under construction and the vertical cursor of the current one.
pub struct PageBuilder {
    /// Finished and current pages' primitives.
    pub pages: Vec<Vec<Draw>>,
    /// Baseline cursor: the top of the next block, in points from the bottom.
    pub y: f32,
}

impl Default for PageBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PageBuilder {
    /// One empty page, cursor at the top of the body.
    pub fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: BODY_TOP,
        }
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Space left on the current page.
    pub fn remaining(&self) -> f32 {
        self.y - BODY_BOTTOM
    }

    /// Starts a new page unless `height` still fits (a block is never split).
    pub fn ensure(&mut self, height: f32) {
        if height > self.remaining() && self.y < BODY_TOP {
            self.new_page();
        }
    }

    /// Index of the current page.
    pub fn page_index(&self) -> usize {
        self.pages.len() - 1
    }

    /// Adds a primitive to the current page.
    pub fn push(&mut self, draw: Draw) {
        if let Some(page) = self.pages.last_mut() {
            page.push(draw);
        }
    }

    /// Writes one line of text at the cursor and moves down by `leading`.
    pub fn line(&mut self, x: f32, face: Face, size: f32, colour: Rgb, text: &str, leading: f32) {
        self.ensure(leading);
        self.push(Draw::Text {
            x,
            y: self.y - size,
            face,
            size,
            colour,
            text: text.to_owned(),
        });
        self.y -= leading;
    }

    /// Writes a wrapped paragraph at `x` within `width`.
    #[expect(
        clippy::too_many_arguments,
        reason = "a text run is its position, face, size, colour and text"
    )]
    pub fn paragraph(
        &mut self,
        fonts: &Fonts,
        x: f32,
        width: f32,
        face: Face,
        size: f32,
        colour: Rgb,
        text: &str,
    ) {
        let leading = size * 1.3;
        for line in wrap(fonts, face, size, text, width) {
            self.line(x, face, size, colour, &line, leading);
        }
    }
}

/// A table column: heading and width in points.
pub struct Column {
    /// Heading text.
    pub heading: &'static str,
    /// Width in points.
    pub width: f32,
}

/// Table cell padding in points.
const PAD: f32 = 4.0;

/// Draws a table whose rows are kept whole on one page (a row taller than a page is split
/// between lines, never within one); the heading row is repeated on every page.
pub fn table(
    builder: &mut PageBuilder,
    fonts: &Fonts,
    columns: &[Column],
    rows: &[Vec<String>],
    size: f32,
) {
    let leading = size * 1.25;
    let header_height = leading + 2.0 * PAD;
    let draw_header = |builder: &mut PageBuilder| {
        let mut x = MARGIN_X;
        builder.push(Draw::Rect {
            x: MARGIN_X,
            y: builder.y - header_height,
            w: BODY_WIDTH,
            h: header_height,
            fill: Some(LIGHT),
            stroke: None,
        });
        for column in columns {
            builder.push(Draw::Text {
                x: x + PAD,
                y: builder.y - PAD - size,
                face: Face::Bold,
                size,
                colour: BLACK,
                text: column.heading.to_owned(),
            });
            x += column.width;
        }
        builder.y -= header_height;
    };
    builder.ensure(header_height + leading + 2.0 * PAD);
    draw_header(builder);
    for row in rows {
        let cells: Vec<Vec<String>> = columns
            .iter()
            .zip(row.iter().chain(std::iter::repeat(&String::new())))
            .map(|(column, text)| wrap(fonts, Face::Regular, size, text, column.width - 2.0 * PAD))
            .collect();
        let line_count = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let mut start = 0;
        while start < line_count {
            let fit = ((builder.remaining() - 2.0 * PAD) / leading)
                .floor()
                .max(0.0) as usize;
            let rest = line_count - start;
            let page_capacity = ((BODY_TOP - BODY_BOTTOM - header_height - 2.0 * PAD) / leading)
                .floor()
                .max(1.0) as usize;
            let take = if fit >= rest {
                rest
            } else if rest > page_capacity && fit >= 3 {
                fit
            } else {
                builder.new_page();
                draw_header(builder);
                continue;
            };
            let height = take as f32 * leading + 2.0 * PAD;
            let top = builder.y;
            let mut x = MARGIN_X;
            for (i, (column, lines)) in columns.iter().zip(&cells).enumerate() {
                for (n, text) in lines.iter().skip(start).take(take).enumerate() {
                    if text.is_empty() {
                        continue;
                    }
                    // The first line of the first column (the row's key) is bold.
                    let face = if i == 0 && start + n == 0 {
                        Face::Bold
                    } else {
                        Face::Regular
                    };
                    builder.push(Draw::Text {
                        x: x + PAD,
                        y: top - PAD - size - n as f32 * leading + 1.0,
                        face,
                        size,
                        colour: BLACK,
                        text: text.clone(),
                    });
                }
                x += column.width;
            }
            builder.push(Draw::Line {
                points: vec![
                    (MARGIN_X, top - height),
                    (MARGIN_X + BODY_WIDTH, top - height),
                ],
                colour: GREY,
                width: 0.4,
            });
            builder.y -= height;
            start += take;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_fonts() -> &'static Fonts {
        fonts().expect("the embedded font parses")
    }

    #[test]
    fn width_of_millions_of_wide_glyphs_does_not_overflow() {
        let fonts = test_fonts();
        let one = text_width(fonts, Face::Regular, 10.0, "W");
        // 3 million W's are ~6e9 font units: more than u32 holds.
        let text = "W".repeat(3_000_000);
        let all = text_width(fonts, Face::Regular, 10.0, &text);
        assert!(all.is_finite());
        let expected = one * 3_000_000.0;
        assert!(
            (all - expected).abs() / expected < 1e-3,
            "{all} vs {expected}"
        );
    }

    fn assert_lines_fit(lines: &[String], face: Face, size: f32, width: f32) {
        let fonts = test_fonts();
        for line in lines {
            let w = text_width(fonts, face, size, line);
            assert!(
                w <= width,
                "line of {} chars is {w} pt wide",
                line.chars().count()
            );
        }
    }

    #[test]
    fn a_million_character_note_wraps_within_the_width() {
        let fonts = test_fonts();
        let width = 200.0;
        // Wide glyphs and words of varying length, 1 000 000 characters in all.
        let unit = "WWWW MMMMMMMM ÆÆ mm WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW ";
        let mut text = unit.repeat(1_000_000 / unit.chars().count() + 1);
        while text.chars().count() > 1_000_000 {
            text.pop();
        }
        for face in [Face::Regular, Face::Bold] {
            let lines = wrap(fonts, face, 9.0, &text, width);
            assert!(lines.len() > 1000);
            assert_lines_fit(&lines, face, 9.0, width);
            let kept: usize = lines
                .iter()
                .map(|l| l.chars().filter(|c| !c.is_whitespace()).count())
                .sum();
            let given = text.chars().filter(|c| !c.is_whitespace()).count();
            assert_eq!(kept, given, "no character is lost");
        }
    }

    #[test]
    fn a_single_huge_word_is_cut_into_lines_that_fit() {
        let fonts = test_fonts();
        let width = 150.0;
        let word = "W".repeat(100_000);
        let text = format!("short {word} tail");
        let lines = wrap(fonts, Face::Regular, 10.0, &text, width);
        assert_lines_fit(&lines, Face::Regular, 10.0, width);
        assert_eq!(lines.first().map(String::as_str), Some("short"));
        assert!(lines.last().is_some_and(|l| l.ends_with("tail")));
        let ws: usize = lines.iter().map(|l| l.matches('W').count()).sum();
        assert_eq!(ws, 100_000);
        // Every cut line is full: adding one more W would not fit.
        let full = text_width(fonts, Face::Regular, 10.0, &lines[1]);
        let one = text_width(fonts, Face::Regular, 10.0, "W");
        assert!(full + one > width);
    }

    #[test]
    fn wrapping_ordinary_text_matches_measuring_whole_lines() {
        let fonts = test_fonts();
        let text = "Patient reports intermittent headaches since the last visit; no new medication.\nSecond paragraph.";
        let lines = wrap(fonts, Face::Regular, 10.0, text, 120.0);
        assert_lines_fit(&lines, Face::Regular, 10.0, 120.0);
        assert_eq!(lines.last().map(String::as_str), Some("Second paragraph."));
        // Greedy: the next line's first word would not have fitted on the previous line.
        for pair in lines.windows(2) {
            if let Some(first) = pair[1].split_whitespace().next()
                && pair[1] != "Second paragraph."
            {
                let joined = format!("{} {first}", pair[0]);
                assert!(text_width(fonts, Face::Regular, 10.0, &joined) > 120.0);
            }
        }
        assert_eq!(
            wrap(fonts, Face::Regular, 10.0, "", 120.0),
            vec![String::new()]
        );
    }
}
