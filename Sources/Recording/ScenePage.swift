import SceneScript

/// `index.html` of an export: one self-contained page (no request leaves it; it works from
/// `file://`) to step through a scene: the title, the chapters as a table of contents, the
/// current step's frame as inline SVG (light or dark, following `prefers-color-scheme`), its
/// narration and kernel micro-steps as text, ←/→ and a slider, and `#step-K` in the URL to
/// select step K. Every step is in the page; a small script shows one. Exported with `--micro`,
/// each micro-step's frame is in the page too: a micro-step in the list is a link to it
/// (`#step-K-M`), ↓/↑ step through them and esc shows the whole step again.
public enum ScenePage {
  /// Scene text as HTML text: escaped as on the terminal (controls made visible), then markup
  /// characters as entities.
  public static func html(_ s: String) -> String {
    var out = ""
    for c in TextSafety.escape(s).unicodeScalars {
      if let e = entity(c) { out += e } else { out.unicodeScalars.append(c) }
    }
    return out
  }

  /// The entity of a markup character (`&`, `<`, `>`, quotes), nil for another.
  static func entity(_ c: Unicode.Scalar) -> String? {
    switch c {
    case "&": "&amp;"
    case "<": "&lt;"
    case ">": "&gt;"
    case "\"": "&quot;"
    case "'": "&#39;"
    default: nil
    }
  }

  /// The page. `frames[k]` is step k's SVG in the light and the dark theme; `micro[k]`, when
  /// given, its micro-steps' SVGs.
  public static func html(
    title: String, chapters: [(title: String, step: Int)], steps: [SceneExport.Step],
    frames: [(light: String, dark: String)], micro: [[(light: String, dark: String)]] = []
  ) -> String {
    let last = steps.count - 1
    var colors = ThemeColors()
    var sections = ""
    for (k, (step, frame)) in zip(steps, frames).enumerated() {
      let micros = k < micro.count ? micro[k].map { colors.merge($0) } : []
      sections += section(step, colors.merge(frame), micro: micros, current: step.index == 0)
    }
    var out = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
      <title>\(html(title))</title>
      <style>\(style)\(colors.style)</style>
      </head>
      <body>
      <header><h1>\(html(title))</h1></header>
      <nav aria-label="Chapters"><h2>Chapters</h2><ol>

      """
    for chapter in chapters {
      out +=
        "<li><a href=\"#step-\(chapter.step)\">\(html(chapter.title))</a> <small>step \(chapter.step)</small></li>\n"
    }
    out += """
      </ol></nav>
      <main>
      <div class="controls">
      <button type="button" id="prev" aria-label="Previous step">←</button>
      <input type="range" id="slider" min="0" max="\(last)" value="0" aria-label="Step">
      <button type="button" id="next" aria-label="Next step">→</button>
      <output id="position">step 0 of \(last)</output>
      </div>

      """
    out += sections
    return out + "</main>\n<script>\n\(script)</script>\n</body>\n</html>\n"
  }

  /// One step: its frame, the operation, the chapter it starts, the narration and the
  /// micro-steps (links to their frames, hidden until chosen, when `micro` has them).
  static func section(_ step: SceneExport.Step, _ frame: String, micro: [String] = [], current: Bool) -> String {
    var out =
      "<section class=\"step\(current ? " current" : "")\" data-step=\"\(step.index)\"\(current ? "" : " hidden")>\n"
    out += "<h2>Step \(step.index): <code>\(html(step.label))</code></h2>\n"
    if let chapter = step.chapter { out += "<p class=\"chapter\">\(html(chapter))</p>\n" }
    out += "<div class=\"frame\" data-micro=\"0\">\n\(frame)</div>\n"
    for (m, svg) in micro.enumerated() {
      out += "<div class=\"frame\" data-micro=\"\(m + 1)\" hidden>\n\(svg)</div>\n"
    }
    out += "<div class=\"say\">\n"
    for line in step.say { out += "<p>\(html(line))</p>\n" }
    out += "</div>\n"
    if !step.micro.isEmpty {
      out += "<ol class=\"micro\">\n"
      for (i, m) in step.micro.enumerated() {
        let text = "<code>\(html(m.function))</code> \(html(m.text))"
        out +=
          i < micro.count ? "<li><a href=\"#step-\(step.index)-\(i + 1)\">\(text)</a></li>\n" : "<li>\(text)</li>\n"
      }
      out += "</ol>\n"
    }
    return out + "</section>\n"
  }

  /// One inline SVG for both themes: the light and the dark SVG of a frame differ only in their
  /// `fill="#rrggbb"` values, so each (light, dark) pair becomes a class whose fill the page's
  /// style sheet sets per `prefers-color-scheme`. The classes are shared by every step.
  struct ThemeColors {
    private var classes: [String: Int] = [:]
    private var pairs: [(light: String, dark: String)] = []

    /// The frame as inline SVG with classes for colours; both SVGs whole (light and dark, each in its
    /// `prefers-color-scheme`) if they differ in anything else.
    mutating func merge(_ frame: (light: String, dark: String)) -> String {
      let light = Array(frame.light.utf8)
      let dark = Array(frame.dark.utf8)
      let marker = Array("fill=\"#".utf8)
      guard light.count == dark.count else { return Self.both(frame) }
      var out: [UInt8] = []
      out.reserveCapacity(light.count)
      var i = 0
      while i < light.count {
        if light[i] != dark[i] { return Self.both(frame) }
        if i + marker.count + 7 <= light.count, light[i..<i + marker.count].elementsEqual(marker) {
          let a = String(decoding: light[i + marker.count - 1..<i + marker.count + 6], as: UTF8.self)
          let b = String(decoding: dark[i + marker.count - 1..<i + marker.count + 6], as: UTF8.self)
          let key = a + b
          let id = classes[key] ?? pairs.count
          if id == pairs.count {
            classes[key] = id
            pairs.append((a, b))
          }
          out += Array("class=\"k\(id)\"".utf8)
          i += marker.count + 7
          continue
        }
        out.append(light[i])
        i += 1
      }
      return inline(String(decoding: out, as: UTF8.self))
    }

    /// Both SVGs, each shown in its scheme (the page's fallback).
    static func both(_ frame: (light: String, dark: String)) -> String {
      "<div class=\"light-only\">\(inline(frame.light))</div><div class=\"dark-only\">\(inline(frame.dark))</div>"
    }

    /// The fills of the classes, light and in the dark scheme.
    var style: String {
      var light = "\n"
      var dark = ""
      for (id, pair) in pairs.enumerated() {
        light += ".k\(id){fill:\(pair.light)}"
        dark += ".k\(id){fill:\(pair.dark)}"
      }
      return light + "\n@media (prefers-color-scheme: dark) {\(dark)}\n"
    }
  }

  /// An SVG file's text as inline SVG: without its XML declaration, scaled to the page's width.
  static func inline(_ svg: String) -> String {
    var text = Substring(svg)
    if text.hasPrefix("<?xml"), let end = text.firstIndex(of: "\n") { text = text[text.index(after: end)...] }
    guard let open = text.range(of: "<svg ") else { return String(text) }
    return String(text[..<open.lowerBound]) + "<svg role=\"img\" class=\"screen\" " + text[open.upperBound...]
  }

  static let style = """

    :root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; }
    @media (prefers-color-scheme: dark) { :root { --bg: #111418; --fg: #d8dde3; --muted: #a9b1ba; --line: #3d444d; } }
    body { margin: 0 auto; padding: 0 12px 48px; max-width: 1100px; background: var(--bg); color: var(--fg);
      font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    h1 { font-size: 1.6em; margin: 16px 0 8px; }
    h2 { font-size: 1.15em; }
    nav ol { padding-left: 1.4em; }
    a { color: inherit; }
    small, .chapter { color: var(--muted); }
    .controls { position: sticky; top: 0; display: flex; gap: 8px; align-items: center; padding: 8px 0;
      background: var(--bg); border-bottom: 1px solid var(--line); }
    .controls input { flex: 1; min-width: 0; }
    .controls button { font-size: 1.1em; min-width: 44px; min-height: 36px; }
    .frame { overflow-x: auto; border: 1px solid var(--line); }
    .frame svg { display: block; max-width: 100%; height: auto; }
    .dark-only { display: none; }
    @media (prefers-color-scheme: dark) { .light-only { display: none; } .dark-only { display: block; } }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace; overflow-wrap: anywhere; }
    .micro li { margin: 2px 0; }
    .micro a { text-decoration: none; }
    .micro li.current { background: var(--line); font-weight: 600; }
    [hidden] { display: none !important; }

    """

  static let script = """
    // Shows one step, or one of its micro-steps: ←/→, the slider, the chapter links and #step-K
    // in the URL select a step; ↓/↑, a micro-step's link and #step-K-M one of its micro-steps
    // (where the export has their frames); esc the whole step again.
    (function () {
      var steps = document.querySelectorAll("section.step");
      var slider = document.getElementById("slider");
      var position = document.getElementById("position");
      var current = 0;
      var micro = 0;
      function show(k, m) {
        if (isNaN(k)) return;
        k = Math.max(0, Math.min(steps.length - 1, k));
        steps[current].hidden = true;
        steps[current].classList.remove("current");
        current = k;
        steps[k].hidden = false;
        steps[k].classList.add("current");
        var frames = steps[k].querySelectorAll("div.frame");
        micro = Math.max(0, Math.min(frames.length - 1, m || 0));
        for (var i = 0; i < frames.length; i++) frames[i].hidden = i !== micro;
        var items = steps[k].querySelectorAll("ol.micro li");
        for (var j = 0; j < items.length; j++) {
          items[j].classList.toggle("current", micro > 0 && j === micro - 1);
          if (micro > 0 && j === micro - 1) items[j].setAttribute("aria-current", "step");
          else items[j].removeAttribute("aria-current");
        }
        slider.value = String(k);
        position.textContent = "step " + k + " of " + (steps.length - 1)
          + (micro > 0 ? ", micro-step " + micro + " of " + (frames.length - 1) : "");
        var hash = "#step-" + k + (micro > 0 ? "-" + micro : "");
        if (location.hash !== hash) {
          try { history.replaceState(null, "", hash); } catch (e) { /* some file:// pages refuse */ }
        }
      }
      function fromHash() {
        var m = /^#step-(\\d+)(?:-(\\d+))?$/.exec(location.hash);
        if (m) show(parseInt(m[1], 10), m[2] ? parseInt(m[2], 10) : 0);
      }
      function micros() { return steps[current].querySelectorAll("div.frame").length - 1; }
      document.getElementById("prev").addEventListener("click", function () { show(current - 1); });
      document.getElementById("next").addEventListener("click", function () { show(current + 1); });
      slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
      document.addEventListener("keydown", function (e) {
        if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) return;
        if (e.key === "ArrowLeft") { show(current - 1); e.preventDefault(); }
        if (e.key === "ArrowRight") { show(current + 1); e.preventDefault(); }
        if (micros() === 0) return;
        if (e.key === "ArrowDown") { show(current, micro + 1); e.preventDefault(); }
        if (e.key === "ArrowUp") { show(current, micro - 1); e.preventDefault(); }
        if (e.key === "Escape") { show(current, 0); e.preventDefault(); }
      });
      window.addEventListener("hashchange", fromHash);
      fromHash();
    })();

    """
}
