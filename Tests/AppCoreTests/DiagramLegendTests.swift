import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("The diagram's legend explains every glyph it draws")
struct DiagramLegendTests {
  @Test(
    "every non-alphanumeric character of every frame of E1-E6 (steps, lock-holding micro-steps, a selection, emphasis) is in the legend",
    arguments: [false, true])
  func everyGlyphExplained(ascii: Bool) throws {
    var unexplained: [String: String] = [:]
    var seen = Set<Character>()
    for (file, kernel) in planScenes {
      let t = try timeline(file, kernel)
      let plan = ForestDiagram.Plan(t)
      // Narrowed to an 80-column pane (``ForestDiagram/Fit``): compact chains, cut lists.
      let narrow = ForestDiagram.Plan(t, maxWidth: 60)
      let legend = Set(ForestDiagram.legend(kernel: t.kernel, ascii: ascii).joined())
      func check(_ d: ForestDiagram, _ at: String) {
        var b = Buffer(width: d.width, height: d.height)
        d.draw(into: &b, in: b.area)
        for c in b.plainText where !c.isLetter && !c.isNumber && !c.isWhitespace {
          seen.insert(c)
          if !legend.contains(c) { unexplained[String(c)] = "\(file) \(kernel?.rawValue ?? "") \(at)" }
        }
      }
      for k in 0...t.stepCount {
        let w = t.states[k]
        let previous = k > 0 ? t.states[k - 1] : nil
        for p in [nil, plan, narrow] {
          check(ForestDiagram(w, options: .init(ascii: ascii, previous: previous, plan: p)), "step \(k)")
        }
        let chained = w.vmas.keys.first { w.chainAnonVMAs($0).count > 1 }
        let objects = ForestDiagram(w).objects
        check(
          ForestDiagram(
            w,
            options: .init(
              ascii: ascii, previous: previous, selection: chained.map { .vma($0) } ?? objects.first,
              emphasized: Set(objects.prefix(3)), plan: plan)), "step \(k) selected")
        for (m, micro) in t.microStates(step: k).enumerated() where !micro.world.lockHolders.keys.isEmpty {
          check(ForestDiagram(micro.world, options: .init(ascii: ascii, plan: plan)), "step \(k) micro \(m + 1)")
        }
      }
    }
    #expect(unexplained.isEmpty, "not in the legend: \(unexplained)")
    #expect(seen.count > 10)
  }

  @Test("the legend names each kernel's counters")
  func counters() {
    #expect(ForestDiagram.legend(kernel: .v2_6_36).joined().contains("ext N  external_refcount"))
    #expect(ForestDiagram.legend(kernel: .v2_6_34).joined().contains("ksm N  ksm_refcount"))
    let modern = ForestDiagram.legend(kernel: .v6).joined()
    #expect(modern.contains("refcount") && modern.contains("num_children") && modern.contains("num_active_vmas"))
    #expect(ForestDiagram.legend(kernel: .v6, ascii: true).joined().unicodeScalars.allSatisfy { $0.isASCII })
    // In a comparison the other half's counters too.
    let compared = ForestDiagram.legend(kernel: .v2_6_36, compared: .v2_6_34).joined()
    #expect(compared.contains("ext N  external_refcount") && compared.contains("ksm N  ksm_refcount"))
  }

  @Test(
    "the legend explains the status line's totals and CPU states, and the pane border's counts",
    arguments: [false, true])
  func aroundTheDiagram(ascii: Bool) throws {
    let legend = ForestDiagram.legend(kernel: .v2_6_36, ascii: ascii).joined(separator: "\n")
    let glyphs = ascii ? Theme.ascii.glyphs : Theme.unicode.glyphs
    for state in [CPUState.idle, .running, .blocked, .deadlocked] {
      #expect(
        legend.contains("cpu0" + glyphs.cpuState(state)) || legend.contains("cpu1" + glyphs.cpuState(state)), "\(state)"
      )
    }
    // Every kind of total the status line writes (`2p 2v 3av 4avc 1pg`), by its suffix.
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: s.timeline.stepCount)
    let totals = s.layout.totals.split(separator: " ").map { $0.drop { $0.isNumber } }
    #expect(totals.count == 5)
    let explained = legend.split(whereSeparator: \.isWhitespace).map { $0.drop { $0.isNumber } }
    for suffix in totals { #expect(explained.contains(suffix), "\(suffix)") }
    // The diagram pane's border: `↓ 7 more`, `cols right`.
    #expect(legend.contains(ascii ? "v 7 more" : "↓ 7 more") && legend.contains("cols right"))
  }
}

@Suite("The legend wraps its entries without stray spaces")
struct DiagramLegendWrapTests {
  /// Each entry's rows at 80x24's width and others: every word of the entry, in order; no row
  /// wider than the width; a continuation row indented and then no run of spaces the entry
  /// does not have (a wrapped line's indent used to be carried into the next wrap).
  @Test("every entry of every model's legend, wrapped at 40, 78, 118 and 198 columns", arguments: [40, 78, 118, 198])
  func wrapped(width: Int) {
    for kernel in KernelVersion.allCases {
      for entry in ForestDiagram.legend(kernel: kernel, ascii: false) {
        let mine = DiagramLegend.rowsOf(entry, width: width)
        func words(_ s: String) -> [Substring] { s.split(separator: " ") }
        #expect(words(mine.joined(separator: " ")) == words(unglued(entry)), "\(kernel) \(width): \(mine)")
        #expect(mine.allSatisfy { Buffer.width($0) <= width }, "\(mine)")
        let longest = unglued(entry).trimmingPrefix(while: { $0 == " " }).ranges(of: "   ").isEmpty ? 3 : 99
        for row in mine.dropFirst() {
          let text = row.trimmingPrefix(while: { $0 == " " })
          #expect(row.hasPrefix("  ") && !text.isEmpty, "\(kernel) \(width): \(row)")
          if longest == 3 { #expect(!text.contains("   "), "\(kernel) \(width): stray spaces in '\(row)'") }
        }
      }
    }
  }
}
