//! The summary's pages drawn in the window from the same layout the PDF is written from:
//! what the investigator reviews before countersigning ("page images").

use eframe::egui;

use crate::report::layout::{Draw, PAGE_HEIGHT, PAGE_WIDTH, Rgb};

fn colour(rgb: Rgb) -> egui::Color32 {
    let channel = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    egui::Color32::from_rgb(channel(rgb.0), channel(rgb.1), channel(rgb.2))
}

/// Draws one page at the available width; `label` names it for a screen reader.
pub fn page(ui: &mut egui::Ui, draws: &[Draw], label: &str) {
    let width = ui.available_width().min(560.0);
    let scale = width / PAGE_WIDTH;
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(width, PAGE_HEIGHT * scale), egui::Sense::hover());
    let label = label.to_owned();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &label));
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, egui::Color32::WHITE);
    let at = |x: f32, y: f32| {
        egui::pos2(
            rect.left() + x * scale,
            rect.top() + (PAGE_HEIGHT - y) * scale,
        )
    };
    for draw in draws {
        match draw {
            Draw::Text {
                x,
                y,
                size,
                colour: rgb,
                text,
                ..
            } => {
                painter.text(
                    at(*x, *y),
                    egui::Align2::LEFT_BOTTOM,
                    text,
                    egui::FontId::proportional((size * scale).max(1.0)),
                    colour(*rgb),
                );
            }
            Draw::Rect {
                x,
                y,
                w,
                h,
                fill,
                stroke,
            } => {
                let area = egui::Rect::from_two_pos(at(*x, *y + *h), at(*x + *w, *y));
                if let Some(fill) = fill {
                    painter.rect_filled(area, 0.0, colour(*fill));
                }
                if let Some((rgb, width)) = stroke {
                    painter.rect_stroke(
                        area,
                        0.0,
                        egui::Stroke::new((width * scale).max(0.5), colour(*rgb)),
                        egui::StrokeKind::Middle,
                    );
                }
            }
            Draw::Line {
                points,
                colour: rgb,
                width,
            } => {
                let points: Vec<egui::Pos2> = points.iter().map(|(x, y)| at(*x, *y)).collect();
                painter.add(egui::Shape::line(
                    points,
                    egui::Stroke::new((width * scale).max(0.5), colour(*rgb)),
                ));
            }
        }
    }
}
