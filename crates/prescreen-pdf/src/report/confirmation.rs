//! The investigator's confirmation box under a coordinator's signature: an empty, labelled
//! place that the investigator's countersignature fills later (its visible appearance is
//! drawn then, over this box, without touching the page content signed now).

use super::SignatureRect;
use super::layout::{BLACK, BODY_WIDTH, Draw, Face, GREY, MARGIN_X, PageBuilder};

/// The box's height in points.
const CONFIRMATION_HEIGHT: f32 = 96.0;

/// The label of the investigator's field, on the page and as the field's name for a reader.
pub const CONFIRMATION_LABEL: &str = "Eligibility confirmed by investigator";

/// Draws the empty confirmation box and returns where the countersignature will go.
pub(super) fn confirmation_box(b: &mut PageBuilder) -> SignatureRect {
    b.y -= 8.0;
    b.ensure(CONFIRMATION_HEIGHT + 4.0);
    let top = b.y;
    let bottom = top - CONFIRMATION_HEIGHT;
    b.push(Draw::Rect {
        x: MARGIN_X,
        y: bottom,
        w: BODY_WIDTH,
        h: CONFIRMATION_HEIGHT,
        fill: None,
        stroke: Some((BLACK, 0.8)),
    });
    b.push(Draw::Text {
        x: MARGIN_X + 8.0,
        y: top - 15.0,
        face: Face::Bold,
        size: 11.5,
        colour: BLACK,
        text: format!("{CONFIRMATION_LABEL} (21 CFR Part 11 §11.50)"),
    });
    b.push(Draw::Text {
        x: MARGIN_X + 8.0,
        y: bottom + 8.0,
        face: Face::Regular,
        size: 7.0,
        colour: GREY,
        text: "Left for the investigator's countersignature: `prescreen verify` lists every \
               signature and what was added after each."
            .to_owned(),
    });
    b.y = bottom;
    SignatureRect {
        page: b.page_index(),
        // The countersignature's appearance fills the box below its heading.
        rect: [
            MARGIN_X + 4.0,
            bottom + 18.0,
            MARGIN_X + BODY_WIDTH - 4.0,
            top - 22.0,
        ],
    }
}
