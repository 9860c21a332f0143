import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// E6 in 6.1: P2's anon_vma AV2 has a parent arrow leaving its last row, so after the merge
/// (step 9) P2's rmap_item is written `P2:A@0→AV2`, P9's drawn as an arrow.
private let ksm61: String = {
  let url = repoRoot.appendingPathComponent("scenes/e6-ksm-root-lifetime.scene")
  let e6 = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  return e6.replacingOccurrences(of: "kernel 2.6.36", with: "kernel 6.1")
}()

@Suite("KSM stable nodes: each rmap_item points at the anon_vma it holds")
struct DiagramKSMTests {
  /// The app on a scene file under scenes/, or on scene text.
  static func diagramApp(_ scene: String) throws -> AppState {
    scene.hasSuffix(".scene") ? try sceneApp(scene, view: .diagram) : TestSupport.app(scene, view: .diagram)
  }

  /// Checks every alive stable node's rmap_items in diagram `d` of `w`: each shown one either
  /// written `P2:A@0→AV2` on its row, or `rmap_item P2:A@0` with one `rmap_item->anon_vma` arrow
  /// from the box's left side at that row whose drawn line ends in `◄` at that anon_vma's box.
  /// Returns how many were drawn as arrows and how many written.
  static func check(_ d: ForestDiagram, _ w: World, _ at: String) -> (arrows: Int, written: Int) {
    var b = Buffer(width: d.width, height: d.height)
    d.draw(into: &b, in: b.area)
    var counts = (arrows: 0, written: 0)
    for (i, node) in w.stableNodes.enumerated() where node.alive {
      guard let box = d.stableNodes.first(where: { $0.node == node.id }) else {
        Issue.record("\(at): K\(i + 1) not drawn")
        continue
      }
      for (j, item) in node.items.prefix(ForestDiagram.maxItemRows).enumerated() {
        let y = box.rect.y + 2 + j
        let row = (box.rect.x..<box.rect.maxX).map { b[$0, y].text }.joined()
        let av = World.avName(item.anonVMA)
        let arrows = d.arrows.filter {
          if case .ksm(node.id, j, item.anonVMA) = $0.kind { true } else { false }
        }
        // `P2 A 0` (process, mapping, page: `P2:A@0`'s A), `(exited)` once its process has exited.
        let mapping = item.vmaName.split(separator: ":")[1].split(separator: "@")[0]
        var name = "\(w[process: item.process].name) \(mapping) \(item.address)"
        if !w[process: item.process].alive { name += " (exited)" }
        if row.contains("\(name)→\(av) ") {
          #expect(arrows.isEmpty, "\(at): \(item.vmaName) written and drawn")
          counts.written += 1
          continue
        }
        #expect(row.contains("rmap_item \(name) "), "\(at): K\(i + 1)'s row \(j): \(row)")
        guard let target = d.anonVMAs.first(where: { $0.anonVMA == item.anonVMA && $0.change != .removed }),
          arrows.count == 1, let arrow = arrows.first
        else {
          Issue.record("\(at): \(item.vmaName) → \(av): \(arrows.count) arrows")
          continue
        }
        #expect(arrow.tail.x == box.rect.x && arrow.tail.y == y, "\(at): \(item.vmaName)'s arrow leaves \(arrow.tail)")
        let reached = ends(b, from: (box.rect.x, y), direction: (-1, 0))
        #expect(
          reached.contains {
            b[$0.0, $0.1].text == "◄" && $0.0 == target.rect.maxX && (target.rect.y..<target.rect.maxY).contains($0.1)
          }, "\(at): \(item.vmaName)'s arrow reaches \(reached), not \(av)")
        counts.arrows += 1
      }
    }
    return counts
  }

  @Test(
    "every rmap_item is drawn as an arrow into its anon_vma or written P2:A@0→AV2, at every step and size",
    arguments: [
      "e6-ksm-root-lifetime.scene", "every-operation.scene", "bugs/d4-root-freed-without-5-5.scene",
      "concurrency/e7-ksm-drop-vs-munmap-2.6.34.scene", ksm61,
    ])
  func everyItemShown(scene: String) throws {
    var total = (arrows: 0, written: 0)
    for size in [(80, 24), (120, 40), (200, 60)] {
      var s = try Self.diagramApp(scene)
      let name = scene.hasSuffix(".scene") ? scene : "6.1 merge"
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        _ = s.frame(width: size.0, height: size.1)
        let d = try #require(s.layout.diagram?.whole)
        let c = Self.check(d, s.world, "\(name) \(size.0)x\(size.1) step \(k)")
        total = (total.arrows + c.arrows, total.written + c.written)
      }
    }
    // And each step's world at its natural size (no width to fit: always beside).
    let t = try Self.diagramApp(scene).timeline
    for k in 0...t.stepCount {
      let d = ForestDiagram(t.states[k], options: .init(previous: k > 0 ? t.states[k - 1] : nil))
      let c = Self.check(d, t.states[k], "natural step \(k)")
      #expect(c.written == 0 || t.states[k].kernel.isModern, "natural step \(k): \(c.written) written")
      total = (total.arrows + c.arrows, total.written + c.written)
    }
    #expect(total.arrows > 0, "no rmap_item drawn as an arrow")
    #expect(total.written > 0, "no rmap_item written (80x24 has no room beside)")
  }

  @Test("E6: the stable node stands beside the forest with its arrows at 120x40 and 200x60, below it at 80x24")
  func besideWhereItFits() throws {
    for size in [(80, 24), (120, 40), (200, 60)] {
      var s = try sceneApp("e6-ksm-root-lifetime.scene", view: .diagram)
      for k in 0...s.timeline.stepCount where s.timeline.states[k].stableNodes.contains(where: \.alive) {
        s.go(to: k)
        _ = s.frame(width: size.0, height: size.1)
        let d = try #require(s.layout.diagram?.whole)
        let box = try #require(d.stableNodes.first)
        let right = d.anonVMAs.map(\.rect.maxX).max() ?? 0
        let drawn = d.arrows.filter { if case .ksm = $0.kind { true } else { false } }
        if size.0 == 80 {
          #expect(box.rect.x < right && drawn.isEmpty, "80x24 step \(k): \(box.rect)")
        } else {
          #expect(box.rect.x > right && !drawn.isEmpty, "\(size.0)x\(size.1) step \(k): \(box.rect)")
          #expect(d.width <= s.diagramView.paneColumns.map(DiagramPane.canvasWidth(inner:)) ?? .max)
        }
      }
    }
  }

  @Test(
    "E6: the node keeps its place through the merge's micro-steps (none of its rmap_items yet at first); P2's is marked exited"
  )
  func placeThroughMicroSteps() throws {
    for size in [(120, 40), (200, 60)] {
      var s = try sceneApp("e6-ksm-root-lifetime.scene", view: .diagram)
      s.go(to: 9)
      _ = s.frame(width: size.0, height: size.1)
      let whole = try #require(s.layout.diagram?.whole.stableNodes.first?.rect)
      var seen = 0
      for m in 0..<s.loadMicroSteps() {
        s.selectMicro(m)
        _ = s.frame(width: size.0, height: size.1)
        guard let rect = s.layout.diagram?.whole.stableNodes.first?.rect else { continue }
        #expect(rect.x == whole.x && rect.y == whole.y, "\(size) micro-step \(m + 1): \(rect) not \(whole)")
        seen += 1
      }
      #expect(seen > 0)
      s.go(to: 10)
      #expect(s.render(width: size.0, height: size.1).plainText.contains("rmap_item P2 A 0 (exited)"))
    }
  }

  @Test("6.1: an rmap_item whose anon_vma's last row carries a parent arrow is written, the other drawn")
  func parentArrowKeepsItsRow() throws {
    #expect(ksm61.contains("kernel 6.1") && ksm61.contains("ksm-merge P2 A 0 P9 B 0"))
    var s = app(ksm61, view: .diagram)
    s.go(to: 9)
    _ = s.frame(width: 200, height: 60)
    let d = try #require(s.layout.diagram?.whole)
    let c = Self.check(d, s.world, "6.1 step 9")
    #expect(c.arrows == 1 && c.written == 1, "\(c)")
    #expect(d.arrows.contains { if case .parent = $0.kind { true } else { false } })
  }
}

@Suite("The anon_vma inspector names the rmap_items that hold it")
struct KSMInspectorTests {
  /// At every step of E6 and every-operation, an anon_vma's inspector names exactly the
  /// rmap_items of alive stable nodes whose `rmap_item->anon_vma` it is (each a reference).
  @Test(
    "each anon_vma's inspector lists exactly the rmap_items holding it, as the diagram names them",
    arguments: ["e6-ksm-root-lifetime.scene", "every-operation.scene"])
  func holders(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    s.focus = .forest
    var held = 0
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      let w = s.layout.world
      for a in w.aliveAnonVMAs {
        s.diagramView.selection = .anonVMA(a)
        let fields = s.inspector(Theme.unicode).content.1.map { $0.replacing(String(nameGlue), with: " ") }
        let line = fields.first { $0.hasPrefix("held by KSM") }
        var expected: [String] = []
        for (i, node) in w.stableNodes.enumerated() where node.alive {
          for item in node.items where item.anonVMA == a {
            expected.append("K\(i + 1): rmap_item \(ForestDiagram.itemText(item, w))")
          }
        }
        if expected.isEmpty {
          #expect(line == nil, "\(file) step \(k) \(World.avName(a)): \(line ?? "")")
        } else {
          #expect(line?.contains(expected.joined(separator: ", ")) == true, "\(file) step \(k): \(line ?? "none")")
          held += 1
        }
      }
    }
    #expect(held > 2)
    // E6's lesson at step 10: P2 exited, its list is empty, the rmap_item still holds AV2.
    if file.hasPrefix("e6") {
      s.go(to: 10)
      s.diagramView.selection = .anonVMA(try #require(World.anonVMAID(named: "AV2")))
      let fields = s.inspector(Theme.unicode).content.1.map { $0.replacing(String(nameGlue), with: " ") }
      #expect(fields.contains { $0.hasPrefix("held by KSM   K1: rmap_item P2 A 0 (exited)") }, "\(fields)")
      #expect(fields.contains("same_anon_vma (empty)"), "\(fields)")
    }
  }
}
