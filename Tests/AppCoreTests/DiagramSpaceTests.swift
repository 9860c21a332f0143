import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing
import Workloads

@testable import AppCore

/// The 2.6.36 use-after-free scene (C12): a page still names a freed anon_vma.
let uafScene = "mremap/faulted-into-unfaulted-2.6.36.scene"

@Suite("A large terminal shows more: the boxes spaced, each VMA's PTEs, each page's index and mapcount")
struct DiagramSpaceTests {
  static let largeSizes = [(200, 60), (300, 100)]

  /// The diagram's height at each step and the pane's canvas rows, at a size.
  static func heights(_ file: String, _ size: (Int, Int)) throws -> (heights: [Int], rows: Int) {
    var s = try sceneApp(file, view: .diagram)
    var heights: [Int] = []
    var rows = 0
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      _ = s.frame(width: size.0, height: size.1)
      heights.append(try #require(s.layout.diagram?.whole).height)
      let pane = try #require(s.diagramPane(in: Rect(x: 0, y: 0, width: size.0, height: size.1)))
      rows = pane.canvas.height
    }
    return (heights, rows)
  }

  @Test(
    "at 200x60 and 300x100 the diagram of E1-E6 fills at least 15% of the pane's rows at its largest step, and never scrolls",
    arguments: lectureScenes)
  func fillsRows(file: String) throws {
    for size in Self.largeSizes {
      let (heights, rows) = try Self.heights(file, size)
      let most = heights.max() ?? 0
      #expect(most * 100 >= 15 * rows, "\(file) \(size): \(most) of \(rows) rows")
      #expect(most <= rows, "\(file) \(size): \(most) of \(rows) rows")
    }
  }

  /// A VMA's PTEs as its row should write them, from the process's page table.
  static func expectedPTEs(_ vma: VMA, _ w: World) -> [String] {
    w[process: vma.process].ptes.filter { vma.start <= $0.key && $0.key < vma.end }.sorted { $0.key < $1.key }
      .map { vpage, pte in
        let at = "\(vpage - vma.base):"
        switch pte {
        case .page(let p, let writable):
          var ksm = false
          if case .ksm = w[page: p].mapping { ksm = true }
          return at + "pg\(p.raw) " + (writable ? "rw" : "ro") + (ksm ? " KSM" : "")
        case .zero: return at + "zero"
        case .swap(let slot): return at + "swap\(slot.raw)"
        case .migration(let p, _): return at + "pg\(p.raw) migrating"
        }
      }
  }

  /// The text drawn in `buffer` on row `y` from column `x` to `maxX`, trailing blanks dropped.
  static func text(_ buffer: Buffer, y: Int, x: Int, maxX: Int) -> String {
    let row = buffer.plainText.split(separator: "\n", omittingEmptySubsequences: false)[y].map { $0 }
    guard x < row.count else { return "" }
    return String(row[x..<min(maxX, row.count)]).replacingOccurrences(of: " +$", with: "", options: .regularExpression)
  }

  @Test(
    "at 200x60 and 300x100 every PTE of every VMA is on the row under it as the model has it, and every page of an anon_vma box with its index and mapcount",
    arguments: lectureScenes + [uafScene])
  func pteRowsAgree(file: String) throws {
    for size in Self.largeSizes {
      var s = try sceneApp(file, view: .diagram)
      var rowsChecked = 0
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        _ = s.frame(width: size.0, height: size.1)
        let d = try #require(s.layout.diagram?.whole)
        let plan = try #require(s.layout.diagram?.plan)
        let w = s.world
        var buffer = Buffer(width: d.width, height: d.height)
        d.draw(into: &buffer, in: Rect(x: 0, y: 0, width: d.width, height: d.height))
        for box in d.processes where box.change != .removed {
          for (i, v) in box.vmas.enumerated() {
            guard let vma = w.vmas[v] else { continue }
            let drawn = Self.text(buffer, y: box.row(at: i) + 1, x: box.rect.x + 4, maxX: box.rect.maxX - 2)
            guard plan.pteRows else {
              #expect(!drawn.hasPrefix("PTEs"), "\(file) \(size) step \(k)")
              continue
            }
            let expected = Self.expectedPTEs(vma, w)
            let whole = expected.isEmpty ? "PTEs none" : "PTEs " + expected.joined(separator: ", ")
            #expect(drawn == whole, "\(file) \(size) step \(k) \(w.vmaName(v)): \(drawn) ≠ \(whole)")
            rowsChecked += 1
          }
        }
        guard plan.pteRows else { continue }
        for box in d.anonVMAs where box.lines.count > 2 && box.lines[2].hasPrefix("pages pg") {
          let filed = w.pages.filter { !$0.freed && $0.mapping == .anon(box.anonVMA) }
          let named = box.lines[2].dropFirst("pages ".count).split(separator: " ")
          #expect(named.count == filed.count, "\(file) \(size) step \(k): \(box.lines[2])")
          for (text, page) in zip(named, filed) {
            #expect(text == "pg\(page.id.raw)@\(page.index)×\(page.mapcount)", "\(file) step \(k): \(text)")
          }
        }
      }
      if size == (300, 100) { #expect(rowsChecked > 0, "\(file): PTE rows drawn at 300x100") }
    }
  }

  @Test("the matrix is shown exactly when the live anon_vmas, the anon_vma_chains or the VMAs exceed their bounds")
  func fallbackBounds() throws {
    let bound = DiagramLayout.self
    for kernel in [KernelVersion.v2_6_36, .v6] {
      let t = Timeline(scene: Parser.parse(Workloads.w2(kernel: kernel, generations: 450)), defaultTitle: "w2")
      var crossed = false
      for k in 0...t.stepCount {
        let w = t.states[k]
        let live = w.anonVMAs.count { $0.alive }
        let over = w.vmas.count > bound.maxVMAs || w.avcCount > bound.maxAVCs || live > bound.maxAnonVMAs
        #expect((bound.excess(w) != nil) == over, "\(kernel): \(w.vmas.count) VMAs \(w.avcCount) AVCs \(live) live")
        crossed = crossed || over
      }
      // 6.x reuses anon_vmas (anon_vma_clone): its chain stays under the bounds.
      if kernel == .v2_6_36 { #expect(crossed, "\(kernel): W2 of 450 generations goes over a bound") }
    }
    // In the app: the last step of the 450-generation chain draws the matrix and says why; the
    // 100-generation one draws the diagram.
    var s = AppState(
      timeline: Timeline(scene: Parser.parse(Workloads.w2(kernel: .v2_6_36, generations: 450)), defaultTitle: "w2"),
      fileName: "w2")
    s.forestView = .diagram
    s.go(to: s.timeline.stepCount)
    let frame = s.render(width: 200, height: 60).plainText
    #expect(s.world.vmas.count <= bound.maxVMAs && s.layout.diagram == nil)
    let note = try #require(bound.excess(s.world))
    #expect(frame.contains("the diagram is drawn up to \(note)"), "\(frame)")
    var small = try sceneApp("scale/daemon-100-2.6.36.scene", view: .diagram)
    small.go(to: small.timeline.stepCount)
    #expect(small.layout.diagram != nil && bound.excess(small.world) == nil)
  }
}
