import AppCore
import Recording
import TermRender
import TestSupport
import Testing

@Suite("SVG frames, the export page and handout")
struct SVGExportTests {
  @Test("every text colour reads on its background with WCAG AA contrast (4.5:1), in both themes")
  func contrast() {
    for theme in SVGTheme.allCases {
      #expect(SVGTheme.contrast(theme.foreground, theme.background) >= 4.5)
      for fg in [nil] + Color.allCases.map(Optional.some) {
        for (dim, reverse) in [(false, false), (true, false), (false, true), (true, true)] {
          let style = Style(fg: fg, dim: dim, reverse: reverse)
          let (text, fill) = theme.colors(style)
          let ratio = SVGTheme.contrast(text, fill ?? theme.background)
          #expect(ratio >= 4.5, "\(theme) \(style): \(text) on \(fill ?? theme.background) is \(ratio)")
        }
      }
    }
    // The formula: black on white is 21, a colour on itself 1.
    #expect(abs(SVGTheme.contrast("#000000", "#ffffff") - 21) < 0.01)
    #expect(abs(SVGTheme.contrast("#777777", "#777777") - 1) < 0.01)
  }

  @Test("box-drawing rows join: vertical strokes span their cell edge to edge; blocks are rectangles")
  func strokesJoin() {
    var b = Buffer(width: 3, height: 3)
    b.put("┌█┐", x: 0, y: 0)
    b.put("│ ┃", x: 0, y: 1)
    b.put("└─┘", x: 0, y: 2)
    let svg = SVGExporter.svg(b, title: "t")
    // A 14 px font in 16 px rows (its line box), every row one <text>, text from each row's top.
    #expect(svg.contains("font-size=\"14\"") && svg.contains("Liberation Mono, monospace"))
    #expect(svg.components(separatedBy: "<text ").count - 1 == 3)
    // │ in row 1 (top 24): a stroke from 24 to 32.6 and from 31.4 to 40, the cell's edges.
    #expect(svg.contains("y=\"24.0\" width=\"1.2\" height=\"8.6\""))
    #expect(svg.contains("y=\"31.4\" width=\"1.2\" height=\"8.6\""))
    // ┃ is heavy; ┌ only goes down; █ fills its cell.
    #expect(svg.contains("y=\"24.0\" width=\"2.4\" height=\"8.6\""))
    #expect(svg.contains("<rect x=\"16.4\" y=\"8.0\" width=\"8.4\" height=\"16.0\""))
  }

  @Test("--chrome none drops the header and the status line, title only the status line")
  func chrome() throws {
    var state = try sceneApp("e1-first-touch.scene", view: .diagram)
    state.go(to: 2)
    let b = state.frame(width: 80, height: 24)
    #expect(SVGExporter.rows(of: b, chrome: .full) == 0..<24)
    #expect(SVGExporter.rows(of: b, chrome: .title) == 0..<23)
    #expect(SVGExporter.rows(of: b, chrome: .none) == 1..<23)
    let none = SVGExporter.svg(b, title: "t", chrome: .none)
    #expect(!none.contains(">q quit") && !none.contains(">E1: First touch"))
    #expect(none.contains("▶ narration"))
    let title = SVGExporter.svg(b, title: "t", chrome: .title)
    #expect(title.contains(">E1: First touch") && !title.contains(">q quit"))
  }

  @Test("scene text reaches the page and the handout escaped: no markup, no controls")
  func hostileText() {
    let evil = "<script>alert(1)</script>\u{1b}[2J\u{7}\u{202E} & [link](http://x) *b*"
    let html = ScenePage.html(evil)
    #expect(!html.contains("<") && !html.contains(">"))
    #expect(!html.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" })
    #expect(html.contains("&lt;script&gt;") && html.contains("&amp;"))
    let md = SceneHandout.text(evil)
    #expect(!md.contains("<") && md.contains("\\[link\\](") && !md.contains(" *b*"))
    #expect(!md.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" })
  }
}
