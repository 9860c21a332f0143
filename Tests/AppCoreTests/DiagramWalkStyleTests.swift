import Recording
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Whether two styles look different beyond their weight, as a terminal in `colors` draws them:
/// a different text or fill colour, underline or reverse. Weight alone (bold against plain or
/// faint) does not count: with 256 colours faint is gone, and from the back of a room bold red
/// and plain red are one colour.
private func distinct(_ a: Style, _ b: Style, _ colors: ColorMode) -> Bool {
  let (x, y) = (TerminalStyle(a, colors: colors), TerminalStyle(b, colors: colors))
  return x.fg != y.fg || x.bg != y.bg || x.underline != y.underline || x.reverse != y.reverse
}

/// Row `y` of a frame as text.
private func row(_ b: Buffer, _ y: Int) -> String { (0..<b.width).map { b[$0, y].text }.joined() }

/// The column where `word` starts in row `y` (the row drawn in single-width cells there).
private func column(of word: String, _ b: Buffer, _ y: Int) -> Int? {
  let letters = word.map(String.init)
  return (0...(b.width - letters.count)).first { x in letters.indices.allSatisfy { b[x + $0, y].text == letters[$0] } }
}

@Suite("A VMA an rmap walk skips looks unlike a removed object in every colour mode")
struct DiagramWalkStyleTests {
  static let modes: [ColorMode] = [.none, .ansi16, .ansi256]

  @Test("rmap skipped and removed: different colour or attribute, not weight alone, in each mode and SVG theme")
  func styles() {
    let s = ForestDiagram.Styles()
    for mode in Self.modes {
      #expect(distinct(s.walkSkipped, s.removed, mode), "\(mode): skipped and removed differ only in weight")
      #expect(distinct(s.walkSkipped, s.danger, mode), "\(mode): skipped and a dangling page differ only in weight")
    }
    for theme in SVGTheme.allCases {
      let (skipped, removed) = (theme.colors(s.walkSkipped), theme.colors(s.removed))
      #expect(skipped.text != removed.text, "\(theme): skipped and removed are one colour")
      #expect(SVGTheme.contrast(skipped.text, skipped.fill ?? theme.background) >= 4.5, "\(theme)")
    }
  }

  @Test(
    "E4's walk from page 3, micro-step by micro-step: the skipped VMA's row says `rmap skipped`, drawn apart from removed"
  )
  func frame() throws {
    for colors in [false, true] {
      var s = try sceneApp("e4-split-merge.scene", view: .diagram)
      s.options = RenderOptions(ascii: false, colors: colors)
      var seen = 0
      for k in 1...s.timeline.stepCount {
        s.go(to: k)
        for m in 0..<s.loadMicroSteps() {
          _ = s.reduce(.selectMicro(m))
          let b = s.render(width: 120, height: 40)
          guard let walk = ForestDiagram.walk(s.layout.world), !walk.skipped.isEmpty else { continue }
          let rows = (0..<b.height).filter { y in row(b, y).contains("rmap skipped") }
          // One row per skipped VMA, the VMA's own (its label, `A@0`, starts the row's text in its box).
          #expect(rows.count == walk.skipped.count, "step \(k) micro \(m + 1)")
          for (y, name) in zip(rows, walk.skipped) {
            let label = String(name.split(separator: ":").last ?? "")
            #expect(row(b, y).contains(label + " "), "step \(k) micro \(m + 1): \(row(b, y))")
            guard let x = column(of: "skipped", b, y) else { continue }
            let style = b[x, y].style
            for mode in colors ? Self.modes : [.none] {
              #expect(distinct(style, ForestDiagram.Styles().removed, mode), "step \(k) micro \(m + 1) \(mode)")
            }
          }
          seen += 1
        }
      }
      #expect(seen > 0, "no micro-step of E4 shows a skipped VMA")
    }
  }
}
