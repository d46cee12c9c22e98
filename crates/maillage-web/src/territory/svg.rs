//! Maps and charts drawn on the server as inline SVG: they need no script and no tiles,
//! work in every browser, and carry a `<title>` per shape for hover. Every figure has a
//! table beside it in the page (the text alternative), so nothing is said by colour only.
//!
//! Projection: equirectangular, longitudes scaled by the cosine of a reference latitude
//! (46.5° for metropolitan France, the territory's own middle latitude otherwise). At the
//! scale of a département or of France the distortion is invisible and the arithmetic is
//! trivial. Overseas départements drawn with metropolitan France get their own small frames.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

/// One département's boundary as shipped (`maillage_territory::departements_geojson`).
pub struct Boundary {
    pub code: String,
    pub name: String,
    /// Polygons, each a list of rings of (lon, lat).
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
    /// min lon, min lat, max lon, max lat.
    pub bbox: [f64; 4],
}

/// The shipped boundaries, parsed once (they never change while the server runs).
pub fn boundaries() -> &'static [Boundary] {
    static PARSED: OnceLock<Vec<Boundary>> = OnceLock::new();
    PARSED.get_or_init(|| parse_boundaries(maillage_territory::departements_geojson()))
}

fn parse_boundaries(geojson: &str) -> Vec<Boundary> {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(geojson) else {
        tracing::error!("the shipped département boundaries are not valid GeoJSON");
        return Vec::new();
    };
    let features = doc["features"].as_array().cloned().unwrap_or_default();
    let point = |p: &serde_json::Value| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?));
    let ring = |r: &serde_json::Value| -> Vec<(f64, f64)> {
        r.as_array().map(|ps| ps.iter().filter_map(point).collect()).unwrap_or_default()
    };
    let polygon = |p: &serde_json::Value| -> Vec<Vec<(f64, f64)>> {
        p.as_array().map(|rs| rs.iter().map(ring).collect()).unwrap_or_default()
    };
    features
        .iter()
        .filter_map(|f| {
            let code = f["properties"]["code"].as_str()?.to_owned();
            let name = f["properties"]["nom"].as_str().unwrap_or_default().to_owned();
            let geometry = &f["geometry"];
            let polygons: Vec<_> = match geometry["type"].as_str()? {
                "Polygon" => vec![polygon(&geometry["coordinates"])],
                "MultiPolygon" => geometry["coordinates"].as_array()?.iter().map(polygon).collect(),
                _ => return None,
            };
            let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
            for &(lon, lat) in polygons.iter().flatten().flatten() {
                bbox = [bbox[0].min(lon), bbox[1].min(lat), bbox[2].max(lon), bbox[3].max(lat)];
            }
            Some(Boundary { code, name, polygons, bbox })
        })
        .collect()
}

/// Whether a département code is overseas (its own frame beside metropolitan France).
pub fn is_overseas(departement: &str) -> bool {
    departement.starts_with("97")
}

/// Lon/lat → SVG pixels for one frame.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    min_lon: f64,
    max_lat: f64,
    kx: f64,
    scale: f64,
    x0: f64,
    y0: f64,
}

impl Frame {
    /// The frame showing `bbox` as large as fits in the box (x, y, w, h), centred.
    pub fn fit(bbox: [f64; 4], reference_lat: f64, rect: [f64; 4]) -> Self {
        let kx = reference_lat.to_radians().cos();
        let span_x = ((bbox[2] - bbox[0]) * kx).max(1e-6);
        let span_y = (bbox[3] - bbox[1]).max(1e-6);
        let scale = (rect[2] / span_x).min(rect[3] / span_y);
        let x0 = rect[0] + (rect[2] - span_x * scale) / 2.0;
        let y0 = rect[1] + (rect[3] - span_y * scale) / 2.0;
        Self { min_lon: bbox[0], max_lat: bbox[3], kx, scale, x0, y0 }
    }

    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        (self.x0 + (lon - self.min_lon) * self.kx * self.scale, self.y0 + (self.max_lat - lat) * self.scale)
    }

    /// Pixels per degree of latitude (the size of the frame).
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

/// A département filled with a class colour.
pub struct Area {
    pub fill: &'static str,
    /// Hover text (`<title>`): name, code and value.
    pub title: String,
}

/// A commune drawn as a small circle.
pub struct Dot {
    pub lon: f64,
    pub lat: f64,
    pub departement: String,
    pub fill: &'static str,
    pub title: String,
}

/// A chosen site (recommendation), numbered.
pub struct Marker {
    pub lon: f64,
    pub lat: f64,
    pub departement: String,
    pub label: String,
    pub title: String,
}

/// Everything a map shows.
pub struct MapSpec<'a> {
    /// Départements to draw (outlines), by code; areas not in `areas` are drawn empty.
    pub departements: &'a [String],
    /// Fill of a département, by code.
    pub areas: &'a HashMap<String, Area>,
    pub dots: &'a [Dot],
    pub markers: &'a [Marker],
    /// Accessible name of the figure.
    pub title: &'a str,
    pub description: &'a str,
    /// Fill of départements without a value.
    pub empty_fill: &'static str,
}

const WIDTH: f64 = 600.0;
const MAIN_HEIGHT: f64 = 600.0;
const INSET_HEIGHT: f64 = 96.0;
const PAD: f64 = 6.0;

struct Layout {
    /// Frame of each drawn département.
    frame_of: HashMap<String, usize>,
    frames: Vec<Frame>,
    /// Inset boxes to outline, with their label.
    insets: Vec<([f64; 4], String)>,
    height: f64,
}

fn union(a: [f64; 4], b: [f64; 4]) -> [f64; 4] {
    [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]
}

const EMPTY_BBOX: [f64; 4] = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];

/// Metropolitan départements share one frame; each overseas département drawn with others
/// gets a small inset below it. A lone group (one région, one overseas département) fills
/// the whole figure.
fn layout(drawn: &[&Boundary]) -> Layout {
    let metro: Vec<&&Boundary> = drawn.iter().filter(|b| !is_overseas(&b.code)).collect();
    let overseas: Vec<&&Boundary> = drawn.iter().filter(|b| is_overseas(&b.code)).collect();
    let mut layout = Layout { frame_of: HashMap::new(), frames: Vec::new(), insets: Vec::new(), height: 0.0 };
    let fit_main = |bbox: [f64; 4], reference_lat: f64| -> (Frame, f64) {
        let frame = Frame::fit(bbox, reference_lat, [PAD, PAD, WIDTH - 2.0 * PAD, MAIN_HEIGHT - 2.0 * PAD]);
        let (_, bottom) = frame.project(bbox[0], bbox[1]);
        let (_, top) = frame.project(bbox[0], bbox[3]);
        // Shift up to the top and keep only the height used.
        let shift = top - PAD;
        let frame = Frame { y0: frame.y0 - shift, ..frame };
        (frame, bottom - shift + PAD)
    };
    let groups: Vec<Vec<&&Boundary>> = if metro.is_empty() {
        overseas.iter().map(|b| vec![*b]).collect()
    } else {
        std::iter::once(metro.clone()).chain(overseas.iter().map(|b| vec![*b])).collect()
    };
    if groups.is_empty() {
        layout.height = 40.0;
        return layout;
    }
    let bbox_of = |g: &[&&Boundary]| g.iter().fold(EMPTY_BBOX, |acc, b| union(acc, b.bbox));
    let main_bbox = bbox_of(&groups[0]);
    let main_lat = if metro.is_empty() { (main_bbox[1] + main_bbox[3]) / 2.0 } else { 46.5 };
    let (main, main_height) = fit_main(main_bbox, main_lat);
    layout.frames.push(main);
    for b in &groups[0] {
        layout.frame_of.insert(b.code.clone(), 0);
    }
    layout.height = main_height;
    let rest = &groups[1..];
    if !rest.is_empty() {
        let slot = ((WIDTH - PAD) / rest.len() as f64).min(140.0);
        let top = main_height + 4.0;
        for (i, g) in rest.iter().enumerate() {
            let rect = [PAD + i as f64 * slot, top, slot - PAD, INSET_HEIGHT];
            let bbox = bbox_of(g);
            // Leave room for the label along the top of the box.
            let inner = [rect[0] + 3.0, rect[1] + 14.0, rect[2] - 6.0, rect[3] - 17.0];
            layout.frames.push(Frame::fit(bbox, (bbox[1] + bbox[3]) / 2.0, inner));
            for b in g {
                layout.frame_of.insert(b.code.clone(), layout.frames.len() - 1);
            }
            layout.insets.push((rect, g.first().map(|b| b.name.clone()).unwrap_or_default()));
        }
        layout.height = top + INSET_HEIGHT + PAD;
    }
    layout
}

/// Text safe inside SVG/XML elements and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Tenths of a pixel as text: `-12` → `-1.2`, `30` → `3`.
fn tenths(v: i64, out: &mut String) {
    if v < 0 {
        out.push('-');
    }
    let a = v.unsigned_abs();
    let _ = write!(out, "{}", a / 10);
    if !a.is_multiple_of(10) {
        let _ = write!(out, ".{}", a % 10);
    }
}

/// A ring as a path: absolute start, then relative moves in tenths of a pixel, dropping
/// points closer than `min_step` tenths to the last one kept (the boundaries are finer than
/// the figure can show; this keeps the page small).
fn ring_path(ring: &[(f64, f64)], frame: &Frame, min_step: i64, out: &mut String) {
    let pts: Vec<(i64, i64)> = ring
        .iter()
        .map(|&(lon, lat)| {
            let (x, y) = frame.project(lon, lat);
            ((x * 10.0).round() as i64, (y * 10.0).round() as i64)
        })
        .collect();
    let Some(&first) = pts.first() else { return };
    let mut kept = vec![first];
    for (i, &p) in pts.iter().enumerate().skip(1) {
        let last = kept[kept.len() - 1];
        let is_end = i + 1 == pts.len();
        if (p.0 - last.0).abs().max((p.1 - last.1).abs()) >= min_step || (is_end && p != last) {
            kept.push(p);
        }
    }
    if kept.len() < 3 {
        return;
    }
    out.push('M');
    tenths(first.0, out);
    out.push(' ');
    tenths(first.1, out);
    let mut last = first;
    out.push('l');
    for (i, &p) in kept.iter().enumerate().skip(1) {
        if i > 1 && p.0 - last.0 >= 0 {
            out.push(' ');
        }
        tenths(p.0 - last.0, out);
        if p.1 - last.1 >= 0 {
            out.push(' ');
        }
        tenths(p.1 - last.1, out);
        last = p;
    }
    out.push('z');
}

/// The map: départements (filled or empty), commune dots, numbered markers.
pub fn map(spec: &MapSpec<'_>) -> String {
    let by_code: HashMap<&str, &Boundary> = boundaries().iter().map(|b| (b.code.as_str(), b)).collect();
    let drawn: Vec<&Boundary> =
        spec.departements.iter().filter_map(|c| by_code.get(c.as_str()).copied()).collect();
    let layout = layout(&drawn);
    let mut svg = String::with_capacity(200_000);
    let _ = write!(
        svg,
        r#"<svg class="choropleth" viewBox="0 0 {w} {h:.0}" width="{w}" height="{h:.0}" role="img" aria-labelledby="map-title map-desc" xmlns="http://www.w3.org/2000/svg"><title id="map-title">{title}</title><desc id="map-desc">{desc}</desc>"#,
        w = WIDTH,
        h = layout.height,
        title = escape(spec.title),
        desc = escape(spec.description),
    );
    for (rect, label) in &layout.insets {
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#6b6b6b" stroke-width="0.8"/><text x="{:.1}" y="{:.1}" font-size="10" fill="#1b1b1b">{}</text>"##,
            rect[0],
            rect[1],
            rect[2],
            rect[3],
            rect[0] + 3.0,
            rect[1] + 11.0,
            escape(label)
        );
    }
    svg.push_str(r##"<g stroke="#ffffff" stroke-width="0.6" stroke-linejoin="round">"##);
    for b in &drawn {
        let Some(frame) = layout.frame_of.get(&b.code).map(|&i| layout.frames[i]) else { continue };
        // At least ~1 px between kept points; the larger the frame, the more points kept.
        let min_step = 8;
        let area = spec.areas.get(&b.code);
        let fill = area.map(|a| a.fill).unwrap_or(spec.empty_fill);
        let stroke = if spec.dots.is_empty() { "" } else { r##" stroke="#4a4a4a""## };
        let _ = write!(svg, r#"<path fill="{fill}"{stroke} d=""#);
        for polygon in &b.polygons {
            for ring in polygon {
                ring_path(ring, &frame, min_step, &mut svg);
            }
        }
        svg.push_str(r#""><title>"#);
        match area {
            Some(a) => svg.push_str(&escape(&a.title)),
            None => svg.push_str(&escape(&format!("{} ({})", b.name, b.code))),
        }
        svg.push_str("</title></path>");
    }
    svg.push_str("</g>");
    if !spec.dots.is_empty() {
        let frame_scale = layout.frames.first().map(|f| f.scale()).unwrap_or(1.0);
        // About 1 km across, but always visible.
        let r = (frame_scale / 111.0 * 1.2).clamp(1.6, 4.0);
        let _ = write!(svg, r##"<g stroke="#1b1b1b" stroke-width="0.25">"##);
        for d in spec.dots {
            let Some(frame) = layout.frame_of.get(&d.departement).map(|&i| layout.frames[i]) else {
                continue;
            };
            let (x, y) = frame.project(d.lon, d.lat);
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}" fill="{}"><title>{}</title></circle>"#,
                d.fill,
                escape(&d.title)
            );
        }
        svg.push_str("</g>");
    }
    for m in spec.markers {
        let Some(frame) = layout.frame_of.get(&m.departement).map(|&i| layout.frames[i]) else { continue };
        let (x, y) = frame.project(m.lon, m.lat);
        let _ = write!(
            svg,
            r##"<g class="site-marker"><title>{title}</title><circle cx="{x:.1}" cy="{y:.1}" r="8" fill="#ffffff" stroke="#b00020" stroke-width="2.5"/><text x="{x:.1}" y="{ty:.1}" font-size="9" font-weight="700" text-anchor="middle" fill="#1b1b1b">{label}</text></g>"##,
            title = escape(&m.title),
            ty = y + 3.2,
            label = escape(&m.label),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One bar of a chart.
pub struct Bar {
    pub label: String,
    /// Height, in the chart's unit (a share: 0.25 is 25 %).
    pub value: f64,
    /// The value as written above the bar.
    pub text: String,
}

/// A vertical bar chart of shares, with axis titles, y ticks in percent and each bar's
/// value written above it.
pub fn bar_chart(
    bars: &[Bar],
    title: &str,
    x_title: &str,
    y_title: &str,
    percent: impl Fn(f64) -> String,
) -> String {
    let (w, h) = (600.0, 300.0);
    let (left, right, top, bottom) = (64.0, 12.0, 16.0, 58.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = bars.iter().map(|b| b.value).fold(0.0f64, f64::max);
    // Ticks every 10 % (every 20 % above 60 %), up to the first tick above the tallest bar.
    let step = if max > 0.6 { 0.2 } else { 0.1 };
    let top_tick = ((max / step).ceil() * step).max(step);
    let y_of = |v: f64| top + plot_h * (1.0 - v / top_tick);
    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        r##"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">{}</title><g font-size="12" fill="#1b1b1b">"##,
        escape(title)
    );
    let mut tick = 0.0;
    while tick <= top_tick + 1e-9 {
        let y = y_of(tick);
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d4da"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            w - right,
            left - 6.0,
            y + 4.0,
            escape(&percent(tick))
        );
        tick += step;
    }
    let slot = plot_w / bars.len().max(1) as f64;
    for (i, b) in bars.iter().enumerate() {
        let x = left + i as f64 * slot + slot * 0.15;
        let bw = slot * 0.7;
        let y = y_of(b.value);
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{:.1}" fill="#1d4e89"><title>{}</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            (top + plot_h - y).max(0.0),
            escape(&format!("{} : {}", b.label, b.text)),
            x + bw / 2.0,
            y - 4.0,
            escape(&b.text),
            x + bw / 2.0,
            top + plot_h + 16.0,
            escape(&b.label),
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{left}" x2="{left}" y1="{top}" y2="{:.1}" stroke="#1b1b1b"/><line x1="{left}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#1b1b1b"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">{}</text></g></svg>"##,
        top + plot_h,
        w - right,
        top + plot_h,
        top + plot_h,
        left + plot_w / 2.0,
        h - 12.0,
        escape(x_title),
        top + plot_h / 2.0,
        escape(y_title),
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_boundaries_give_every_departement() {
        let b = boundaries();
        assert_eq!(b.len(), 101);
        let loire = b.iter().find(|b| b.code == "42").unwrap();
        assert_eq!(loire.name, "Loire");
        assert!(loire.bbox[0] > 3.6 && loire.bbox[2] < 4.8, "{:?}", loire.bbox);
    }

    #[test]
    fn north_is_up_and_east_is_right() {
        let f = Frame::fit([-5.0, 41.0, 10.0, 51.0], 46.5, [0.0, 0.0, 600.0, 600.0]);
        let brest = f.project(-4.49, 48.39);
        let strasbourg = f.project(7.75, 48.58);
        let nice = f.project(7.26, 43.70);
        assert!(brest.0 < strasbourg.0);
        assert!(nice.1 > strasbourg.1);
        assert!((0.0..=600.0).contains(&brest.0) && (0.0..=600.0).contains(&nice.1));
    }

    #[test]
    fn france_has_its_overseas_departements_as_insets_and_stays_small() {
        let codes: Vec<String> = boundaries().iter().map(|b| b.code.clone()).collect();
        let areas = HashMap::new();
        let svg = map(&MapSpec {
            departements: &codes,
            areas: &areas,
            dots: &[],
            markers: &[],
            title: "Carte <test>",
            description: "d",
            empty_fill: "#e0e0e0",
        });
        assert_eq!(svg.matches("<path").count(), 101);
        assert_eq!(svg.matches("<rect").count(), 5, "five overseas insets");
        assert!(svg.contains("Carte &lt;test&gt;"));
        assert!(svg.len() < 350_000, "{} bytes", svg.len());
    }

    #[test]
    fn tenths_are_written_without_useless_zeros() {
        let mut s = String::new();
        for v in [-12, 30, 0, 5, -5] {
            tenths(v, &mut s);
            s.push('|');
        }
        assert_eq!(s, "-1.2|3|0|0.5|-0.5|");
    }
}
