import SceneScript
import TermRender

/// `scene.svg` of an export: the whole scene as one animated SVG that embeds with `<img>` (as
/// svg-term's output does): each frame held for its duration in turn, looping, by CSS animation
/// alone (no script). Rows are drawn once: each distinct row (its fills, strokes and text, as a
/// step SVG draws it) is a `<g>` in `<defs>`, and a frame is a group of `<use>`s of its rows, so
/// a row that stays the same over the scene costs one definition. A renderer without CSS
/// animation shows the first frame.
extension SVGExporter {
  /// One frame of an animation: the buffer and how long it stays, in microseconds.
  public struct TimedFrame: Sendable {
    public var buffer: Buffer
    public var micros: Int

    public init(buffer: Buffer, micros: Int) {
      self.buffer = buffer
      self.micros = micros
    }
  }

  /// The animated SVG of `frames` (all of one size, at least one, each for at least 1 µs).
  public static func animated(
    _ frames: [TimedFrame], title: String, theme: SVGTheme = .light, chrome: SVGChrome = .full
  ) -> String {
    guard let first = frames.first else { return svg(Buffer(width: 1, height: 1), title: title, theme: theme) }
    let shown = rows(of: first.buffer, chrome: chrome)
    let width = Int((Double(first.buffer.width) * cellWidth).rounded(.up)) + 16
    let height = shown.count * cellHeight + 16
    let total = max(1, frames.reduce(0) { $0 + max(1, $1.micros) })
    var rowIDs: [String: Int] = [:]
    var defs = ""
    var groups = ""
    var css =
      "\n.f { visibility: hidden; animation: \(millis(total))ms step-end infinite; }\n#s0 { visibility: visible; }\n"
    var start = 0
    for (k, frame) in frames.enumerated() {
      let end = start + max(1, frame.micros)
      // The frame is visible from `start` to `end` of each loop (step-end holds each value).
      var keys =
        start == 0
        ? "0% { visibility: visible; } "
        : "0% { visibility: hidden; } \(percent(start, total)) { visibility: visible; } "
      if end < total { keys += "\(percent(end, total)) { visibility: hidden; } " }
      css += "#s\(k) { animation-name: s\(k); }\n@keyframes s\(k) { \(keys)}\n"
      groups += "<g id=\"s\(k)\" class=\"f\" data-step=\"\(k)\" data-ms=\"\(millis(frame.micros))\">"
      for (i, y) in shown.enumerated() {
        let row = self.row(frame.buffer, y, top: 0, theme: theme)
        let id: Int
        if let known = rowIDs[row] {
          id = known
        } else {
          id = rowIDs.count
          rowIDs[row] = id
          defs += "<g id=\"r\(id)\">\n\(row)</g>\n"
        }
        groups += "<use xlink:href=\"#r\(id)\" y=\"\(8 + i * cellHeight)\"/>"
      }
      groups += "</g>\n"
      start = end
    }
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out +=
      "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xml:space=\"preserve\""
      + " width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
    out += "<title>\(xml(TextSafety.escape(title)))</title>\n"
    out += "<style>\(css)text { white-space: pre; }\n</style>\n"
    out += "<defs>\n\(defs)</defs>\n"
    out += "<rect width=\"100%\" height=\"100%\" fill=\"\(theme.background)\"/>\n"
    out += "<g font-family=\"\(fontStack)\" font-size=\"14\">\n\(groups)</g>\n</svg>\n"
    return out
  }

  /// Whole milliseconds, rounded (CSS times of the animation).
  static func millis(_ micros: Int) -> Int { (micros + 500) / 1000 }

  /// `t` of `total` as a CSS percentage with four decimals (`37.5%`, `33.3333%`).
  static func percent(_ t: Int, _ total: Int) -> String {
    let tenThousandths = (t * 1_000_000 + total / 2) / total
    var frac = String(tenThousandths % 10_000)
    frac = String(repeating: "0", count: 4 - frac.count) + frac
    while frac.hasSuffix("0") { frac.removeLast() }
    return "\(tenThousandths / 10_000)" + (frac.isEmpty ? "" : ".\(frac)") + "%"
  }
}
