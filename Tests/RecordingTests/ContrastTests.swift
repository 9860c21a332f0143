import AnonVMASim
import AppCore
import Recording
import TermRender
import TestSupport
import Testing

@Suite("Every colour pair a frame uses for text reads with WCAG AA contrast in the SVG themes")
struct ContrastTests {
  /// The styles of every cell with text in frames a lecturer sees: every step of E1-E6 in each
  /// view at two sizes, a lock-holding micro-step, the legend, the help, messages of each kind, a
  /// comparison and presenter notes.
  static func usedStyles() throws -> Set<Style> {
    var styles = Set<Style>()
    func collect(_ b: Buffer) {
      for c in b.cells where c.text != " " && !c.text.isEmpty { styles.insert(c.style) }
    }
    for name in [
      "e1-first-touch.scene", "e2-fork-cow.scene", "e3-three-generations.scene", "e4-split-merge.scene",
      "e5-rmap-coverage.scene", "e6-ksm-root-lifetime.scene",
    ] {
      for view in ForestView.allCases {
        var s = try sceneApp(name, view: view)
        s.presenter = true
        for k in 0...s.timeline.stepCount {
          s.go(to: k)
          collect(s.render(width: 120, height: 40))
          if view == .diagram { collect(s.render(width: 200, height: 60)) }
        }
      }
    }
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    _ = s.reduce(.key(.char("g")))
    for k in "4\n" { _ = s.reduce(.key(k == "\n" ? .enter : .char(k))) }
    _ = s.reduce(.selectMicro(14))
    collect(s.render(width: 120, height: 40))
    var keys: [[Key]] = [
      [.char("L")], [.char("?")], [.char("g"), .char("9"), .char("9"), .enter],
      [.char("/"), .char("x"), .enter], [.char("+")], [.tab, .down], [.tab, .down, .enter], [.char("c")],
    ]
    keys.append([.char("p")])
    for ks in keys {
      var t = try sceneApp("e3-three-generations.scene", view: .diagram)
      for k in [.right, .right, .right, .right] + ks { _ = t.reduce(.key(k)) }
      collect(t.render(width: 200, height: 60))
      collect(t.render(width: 120, height: 40))
    }
    return styles
  }

  @Test("text on its cell's fill: at least 4.5:1 for every style used, dim and reversed included")
  func usedPairs() throws {
    let styles = try Self.usedStyles()
    #expect(styles.count > 10)
    #expect(styles.contains { $0.dim } && styles.contains { $0.reverse })
    for theme in SVGTheme.allCases {
      for style in styles {
        let (text, fill) = theme.colors(style)
        let ratio = SVGTheme.contrast(text, fill ?? theme.background)
        #expect(ratio >= 4.5, "\(theme) \(style): \(text) on \(fill ?? theme.background) is \(ratio)")
      }
    }
  }

  @Test("the header's progress bar: the filled part is a colour of its own, never the background's (a gap)")
  func progressBar() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 4)
    let b = s.render(width: 120, height: 40)
    let row = (0..<b.width).map { b[$0, 0] }
    let full = row.filter { $0.text == "█" }
    #expect(full.count == 5)
    #expect(row[0].style.reverse, "the header is reversed")
    for theme in SVGTheme.allCases {
      for cell in full {
        let (block, fill) = theme.colors(cell.style)
        // The block is not the colour of what is under it (the page, or a fill): it reads as filled.
        #expect(block != (fill ?? theme.background), "\(theme): the filled bar is drawn as a gap")
        #expect(block != theme.background, "\(theme): the filled bar is drawn in the page's colour")
        #expect(SVGTheme.contrast(block, fill ?? theme.background) >= 4.5, "\(theme): \(block)")
      }
    }
  }

  @Test("the terminal with 256 colours, as a cast plays it: every style used reads with 4.5:1, dim text in grey 243")
  func terminal256() throws {
    let styles = try Self.usedStyles()
    #expect(styles.contains { $0.dim && $0.fg == nil })
    for style in styles {
      let t = TerminalStyle(style, colors: .ansi256)
      #expect(!t.faint, "\(style) is drawn faint")
      if style.dim && style.fg == nil { #expect(t.fg == XtermPalette.dimGrey) }
      let (text, fill) = CastTheme.colors(t)
      let ratio = XtermPalette.contrast(text, fill ?? CastTheme.background)
      #expect(ratio >= 4.5, "\(style): \(text) on \(fill ?? CastTheme.background) is \(ratio)")
    }
    // The SVG draws the terminal's grey where it reads (light), the next that does elsewhere.
    #expect(SVGTheme.light.colors(Style(dim: true)).text == XtermPalette.rgb(XtermPalette.dimGrey))
    #expect(SVGTheme.dark.colors(Style(dim: true)).text == XtermPalette.rgb(244))
  }
}
