import AnonVMASim
import Foundation
import TestSupport
import Testing

@testable import AppCore

/// The narration names pages as the diagram does (`pg1`, on an anon_vma's `pages` line), never
/// by a spelling the picture does not show (`page y0`: mapping y, page 0), and every page it names
/// exists at its step (issue 16: a lecturer read `page y0` beside a diagram that says `pg1`).
@Suite("Narration: page names agree with the diagram's")
struct NarrationNamesTests {
  /// The `say` and `note` text of step `k`.
  static func text(_ s: AppState, _ k: Int) -> [String] { s.timeline.steps[k].say + s.timeline.steps[k].notes }

  @Test(
    "every pgN a step's narration names is a page of the world at that step, and no page is named mapping+index",
    arguments: allScenes())
  func pageNames(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    for k in 0...s.timeline.stepCount {
      let lines = Self.text(s, k)
      guard !lines.isEmpty else { continue }
      s.go(to: k)
      let w = s.layout.world
      let mappings = Set(w.processes.flatMap { $0.mappings.map(\.name) })
      for line in lines {
        for m in line.matches(of: /\bpg(\d+)\b/) {
          let id = PageID(Int(m.1) ?? 0)
          #expect(w.isAllocated(id), "\(file) step \(k): \(line) names pg\(m.1), not a page at this step")
        }
        for m in line.matches(of: /(?i)\bpages? ([A-Za-z_]+)(\d+)\b/) where mappings.contains(String(m.1)) {
          Issue.record("\(file) step \(k): `\(m.0)` names a page the diagram calls pgN: \(line)")
        }
      }
    }
  }

  /// The 2.6.36 use-after-free: the step that frees AV1 names the page left pointing at it by
  /// the name the diagram draws (`pg1→AV1 freed`).
  @Test("the 2.6.36 mremap use-after-free names the page under the freed anon_vma as the diagram does")
  func uafPage() throws {
    var s = try sceneApp("mremap/faulted-into-unfaulted-2.6.36.scene", view: .diagram)
    let k = s.timeline.stepCount
    s.go(to: k)
    let w = s.layout.world
    let dangling = w.pages.filter { page in
      guard !page.freed, case .anon(let a) = page.mapping else { return false }
      return w.anonVMA(a)?.alive != true
    }
    #expect(!dangling.isEmpty)
    let said = Self.text(s, k).joined(separator: " ")
    for page in dangling {
      let name = World.pageName(page.id)
      #expect(said.contains(name), "the narration does not name \(name): \(said)")
      #expect(s.render(width: 120, height: 40).plainText.contains(name))
    }
  }

  /// A VMA's name with a negative first page (`b@-4`, a VMA grown below where its mapping was
  /// mmapped) is explained where it is shown: the VMA's inspector says what the number counts
  /// from, and the legend has an entry for it; a VMA at or above its mmap gets no such line.
  @Test("a negative first page is explained in the inspector and the legend", arguments: allScenes())
  func negativeFirstPage(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    s.focus = .forest
    let legend = ForestDiagram.legend(kernel: s.timeline.kernel).joined(separator: "\n")
    var negative = 0
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let w = s.layout.world
      for id in w.orderedVMAs {
        guard let v = w.vmas[id] else { continue }
        s.diagramView.selection = .vma(id)
        let fields = s.inspector(Theme.unicode).content.1.joined(separator: "\n")
        let explained = fields.contains("numbered from \(v.mapping)'s mmap at page \(v.base)")
        #expect(explained == (v.firstPage < 0), "\(file) step \(k) \(w.vmaName(id)): \(fields)")
        if v.firstPage < 0 {
          negative += 1
          #expect(fields.contains("\(v.firstPage) is \(-v.firstPage) page"), "\(file) step \(k): \(fields)")
          #expect(
            legend.contains("@-4 -4..3 starts 4 pages below"), "\(file): the legend says nothing of \(w.vmaName(id))")
        }
      }
    }
    if file == "mremap/faulted-into-unfaulted-2.6.36.scene" { #expect(negative > 0) }
  }
}
