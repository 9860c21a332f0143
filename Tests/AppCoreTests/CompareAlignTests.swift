import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// A comparison read across: the two halves side by side at 200×60 put their panes, and each
/// process both models have, on the same rows; a page that differs is marked on the page.
@Suite("Compare: the halves aligned row for row, what differs marked where it is")
struct CompareAlignTests {
  static let size = (width: 200, height: 60)

  /// The cells of row `y` of `b` over `xs`, one string per column (a wide character's right
  /// half empty).
  static func cells(_ b: Buffer, _ y: Int, _ xs: Range<Int>) -> [String] { xs.map { b[$0, y].text } }

  /// The first row of `half` whose text contains `text`.
  static func row(of text: String, in b: Buffer, _ half: Rect) -> Int? {
    (half.y..<half.maxY).first { cells(b, $0, half.x..<half.maxX).joined().contains(text) }
  }

  /// Where a box titled `name` has its top-left corner in `half`: a corner, the change mark
  /// (`─ + ~ -`), a space, the name, a space (`┌─ P1 ───`, `┏~ AV1 root ━━`).
  static func boxTop(_ name: String, in b: Buffer, _ half: Rect) -> (x: Int, y: Int)? {
    let corners: Set<String> = ["┌", "┏", "╔"]
    let title = [" "] + name.map(String.init) + [" "]
    for y in half.y..<half.maxY {
      let row = cells(b, y, half.x..<half.maxX)
      for x in row.indices where corners.contains(row[x]) && x + 2 + title.count <= row.count {
        if Array(row[(x + 2)..<(x + 2 + title.count)]) == title { return (half.x + x, y) }
      }
    }
    return nil
  }

  /// The process names the diagram of `w` draws a box for.
  static func boxes(_ s: AppState, _ layout: Layout) -> [String] {
    guard let d = layout.diagram?.whole else { return [] }
    return d.processes.map { layout.world[process: $0.process].name }
  }

  @Test(
    "at 200x60, every step of E1-E6 beside 2.6.34 and 6.x: the diagram panes start on one row, and every process both halves draw has its box's top on the same row in both",
    arguments: CompareCacheTests.scenes)
  func alignedRows(_ name: String) throws {
    var compared = 0
    for kernel in [KernelVersion.v2_6_34, .v6] {
      var s = try sceneApp(name, view: .diagram)
      s.setCompare(kernel)
      _ = s.frame(width: Self.size.width, height: Self.size.height)
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        let b = s.frame(width: Self.size.width, height: Self.size.height)
        let halves = try #require(s.compareAreas(b.area))
        let what = "\(name) beside \(kernel.rawValue), step \(k)"
        let panes = (Self.row(of: "anon_vma forest", in: b, halves.0), Self.row(of: "anon_vma forest", in: b, halves.1))
        #expect(panes.0 != nil && panes.0 == panes.1, "\(what): the diagram panes start on rows \(panes)")
        let narrations = (Self.row(of: "narration", in: b, halves.0), Self.row(of: "narration", in: b, halves.1))
        #expect(narrations.0 != nil && narrations.0 == narrations.1, "\(what): narration on rows \(narrations)")
        let lower = try #require(s.compareLayout)
        let both = Set(Self.boxes(s, s.layout)).intersection(Self.boxes(s, lower))
        for p in both.sorted() {
          let tops = (Self.boxTop(p, in: b, halves.0)?.y, Self.boxTop(p, in: b, halves.1)?.y)
          #expect(tops.0 == tops.1, "\(what): \(p)'s box tops on rows \(tops)\n\(b.plainText)")
          if tops.0 != nil { compared += 1 }
        }
      }
    }
    #expect(compared > 0, "\(name): no process drawn in both halves")
  }

  /// A page as the test reads it, independently of `CompareDiff`: what it is filed in, its
  /// index and mapcount.
  static func pageFields(_ w: World, _ p: PageID) -> String? {
    guard w.isAllocated(p), w.listedPages.contains(p) else { return nil }
    let page = w[page: p]
    let mapping: String
    switch page.mapping {
    case .none: mapping = "-"
    case .anon(let a): mapping = World.avName(a)
    case .ksm(let k): mapping = "K\(k)"
    }
    return "\(mapping) \(page.index) \(page.mapcount)"
  }

  /// A scene where a page differs between 2.6.36 and 6.x: after P1 exits, P2's fork P3 reuses
  /// AV2 in 6.x (`anon_vma_clone()` takes an anon_vma with no active VMAs and fewer than two
  /// children, since 2555283eb40d), where 2.6.36 allocates AV4: P3's COW copy pg2 is filed in
  /// AV2 on one, AV4 on the other.
  static let reuse = """
    kernel 2.6.36
    spawn P0
    mmap P0 A 1
    touch P0 A 0
    fork P0 P1
    fork P1 P2
    exit P1
    fork P2 P3
    touch P3 A 0
    """

  @Test(
    "a page that differs between the models (its anon_vma, index or mapcount) is marked ≠ on its name in both halves")
  func pageMarkedOnThePage() throws {
    var s = app(Self.reuse, view: .diagram)
    s.scene = Parser.parse(Self.reuse)
    s.setCompare(.v6)
    _ = s.frame(width: Self.size.width, height: Self.size.height)
    var marked = 0
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let b = s.frame(width: Self.size.width, height: Self.size.height)
      let halves = try #require(s.compareAreas(b.area))
      let lower = try #require(s.compareLayout)
      let worlds = (s.layout.world, lower.world)
      for p in worlds.0.listedPages where worlds.1.listedPages.contains(p) {
        guard let a = Self.pageFields(worlds.0, p), let c = Self.pageFields(worlds.1, p), a != c else { continue }
        // In each half, `≠` in the space before its name where its anon_vma box writes it.
        for half in [halves.0, halves.1] {
          let page = World.pageName(p)
          let text = (half.y..<half.maxY).map { Self.cells(b, $0, half.x..<half.maxX).joined() }
          #expect(
            text.contains { $0.contains("pages") && $0.contains("≠" + page) },
            "step \(k): \(page) differs (\(a) vs \(c)) but is not marked on its name\n\(b.plainText)")
          marked += 1
        }
      }
    }
    #expect(marked > 0, "no page differs between the models")
  }

  @Test("a page that differs marks the page, not the anon_vma it is filed in (that one differs on its own, or not)")
  func pageNotItsAnonVMA() throws {
    let t = Timeline(scene: Parser.parse(Self.reuse), defaultTitle: "t")
    let w = t.states[t.stepCount]
    for p in w.listedPages {
      guard case .anon(let av) = w[page: p].mapping else { continue }
      var diff = CompareDiff()
      diff.pages = [p]
      let objects = diff.objects(in: w)
      #expect(objects == [.page(p)], "\(objects)")
      let d = ForestDiagram(w, options: .init(emphasized: objects))
      var b = Buffer(width: d.width, height: d.height)
      d.draw(into: &b, in: b.area)
      let box = try #require(d.anonVMAs.first { $0.anonVMA == av })
      let title = Self.cells(b, box.rect.y, box.rect.x..<box.rect.maxX).joined()
      #expect(!title.contains("≠"), "\(World.avName(av)) is marked for \(World.pageName(p)): \(title)")
      let pages = Self.cells(b, box.rect.y + 3, box.rect.x..<box.rect.maxX).joined()
      #expect(pages.contains("≠" + World.pageName(p)), "\(pages)")
    }
    #expect(!w.listedPages.isEmpty)
  }
}
