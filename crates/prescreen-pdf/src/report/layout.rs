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

/// Advance width of `text` in points (bold is stroked: a little wider than its advance).
pub fn text_width(fonts: &Fonts, face: Face, size: f32, text: &str) -> f32 {
    let font = &fonts.regular;
    let stroke_extra = match face {
        Face::Regular => 0.0,
        Face::Bold => 0.04 * size,
    };
    let upem = f32::from(font.font_metrics.units_per_em.max(1));
    let units: u32 = text
        .chars()
        .map(|c| {
            font.lookup_glyph_index(c as u32)
                .map(|g| u32::from(font.get_horizontal_advance(g)))
                .unwrap_or(upem as u32 / 2)
        })
        .sum();
    units as f32 / upem * size * if face == Face::Bold { 1.04 } else { 1.0 } + stroke_extra
}

/// Greedy word wrapping to `width` points; a word longer than a line is cut between
/// characters. Explicit newlines start a new line. Never returns an empty vector.
pub fn wrap(fonts: &Fonts, face: Face, size: f32, text: &str, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width(fonts, face, size, &candidate) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if text_width(fonts, face, size, word) <= width {
                line = word.to_owned();
            } else {
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && text_width(fonts, face, size, &next) > width {
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    } else {
                        line = next;
                    }
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
