import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("A page still pointing at a freed anon_vma, and the step's violations, on the diagram")
struct DiagramDanglingTests {
  /// The mremap use-after-free scenes (2.6.36, and mainline's 2026 layouts with the variant;
  /// layout 4 stays clean), and a C12 of another kind (a migration walk missing a moving PTE).
  static let scenes = [
    "mremap/faulted-into-unfaulted-2.6.36.scene", "mainline/mremap-uaf-prev.scene", "mainline/mremap-uaf-next.scene",
    "mainline/mremap-uaf-both.scene", "mainline/mremap-dontunmap-uaf.scene",
    "mainline/mremap-uaf-prev-next-faulted.scene", "mremap/migration-race-2.6.36.scene",
  ]

  /// The VMAs mapping `page`, read from the page tables.
  static func mappers(of page: PageID, in w: World) -> [VMAID] {
    var out: [VMAID] = []
    for pi in w.processIDs where w[process: pi].alive {
      for (vpage, pte) in w[process: pi].ptes {
        guard case .page(page, _) = pte, let v = w.vmaContaining(process: pi, vpage: vpage), !out.contains(v)
        else { continue }
        out.append(v)
      }
    }
    return out
  }

  @Test(
    "wherever page->mapping is a freed anon_vma, the frame shows the page pointing at its box marked freed; !C12 and its text exactly at the steps the checker reports C12",
    arguments: scenes)
  func danglingAndViolations(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    let t = s.timeline
    var dangling = 0
    var reported = 0
    for k in 0...t.stepCount {
      s.go(to: k)
      var count = 1
      var micro: Int?
      // The step, then (at 120x40) each of its micro-steps.
      while micro.map({ $0 < count }) ?? true {
        defer { micro = (micro ?? -1) + 1 }
        if let micro {
          guard k > 0 else { break }
          _ = s.reduce(.selectMicro(micro))
          count = s.layout.microStepCount ?? 0
          guard micro < count else { break }
        }
        let w = s.layout.world
        for (width, height) in micro == nil ? [(80, 24), (120, 40), (200, 60)] : [(120, 40)] {
          let frame = s.render(width: width, height: height).plainText
          let d = try #require(s.layout.diagram?.whole)
          let at = "\(file) step \(k) micro \(micro.map { "\($0 + 1)" } ?? "-") \(width)x\(height)"
          for page in w.pages where !page.freed {
            guard case .anon(let a) = page.mapping, w.anonVMA(a)?.alive == false else { continue }
            dangling += 1
            let pg = World.pageName(page.id)
            let box = try #require(d.anonVMAs.first { $0.anonVMA == a }, "\(at): freed \(World.avName(a)) not drawn")
            #expect(box.change == .removed && box.lines.contains("freed"), "\(at): \(box.lines)")
            #expect(box.lines.contains { $0.hasPrefix("pages ") && $0.contains(pg) }, "\(at): \(box.lines)")
            #expect(frame.contains("pages \(pg)"), "\(at)\n\(frame)")
            let mappers = Self.mappers(of: page.id, in: w)
            #expect(!mappers.isEmpty, "\(at): \(pg) mapped nowhere")
            for v in mappers {
              let row = try #require(d.rect(of: .vma(v)), "\(at): \(w.vmaName(v)) not drawn")
              #expect(frame.contains("\(pg)→\(World.avName(a)) freed"), "\(at)\n\(frame)")
              // A VMA without an anon_vma arrow of its own: a danger arrow from its row into
              // the freed box's pages row.
              guard w.vmas[v]?.anonVMA == nil else { continue }
              let arrow = try #require(
                d.arrows.first { $0.kind == .danglingMapping(vma: v, anonVMA: a) }, "\(at): no arrow")
              #expect(arrow.tail.y == row.y && arrow.tail.x == row.maxX - 1, "\(at): \(arrow)")
              #expect(arrow.xs.last == box.rect.x - 1 && arrow.ys.last == box.rect.y + 3, "\(at): \(arrow)")
            }
          }
          // The checker's reports of this step (each reported once, in the step it first holds).
          let c12 = w.violations.filter { $0.code == "C12" && $0.step == k }
          let names = c12.map(\.message).joined(separator: " ")
          let markable = names.contains("AV") || names.contains("pg")
          #expect(frame.contains("!C12") == (markable && !c12.isEmpty), "\(at)\n\(frame)")
          #expect(frame.contains("! C12 ") == !c12.isEmpty, "\(at)\n\(frame)")
          if !c12.isEmpty { reported += 1 }
        }
      }
    }
    let source = try String(contentsOf: repoRoot.appendingPathComponent("scenes/\(file)"), encoding: .utf8)
    #expect((reported > 0) == source.contains("expect violation C12"), "\(file)")
    if source.contains("expect freed AV1") && source.contains("expect violation C12") {
      #expect(dangling > 0, "\(file): no page pointing at a freed anon_vma")
    }
  }

  @Test(
    "steps after the use-after-free: the freed anon_vma stays drawn in its own place while the page points at it, and a new anon_vma takes another"
  )
  func danglingStaysPlanned() throws {
    let source = try String(
      contentsOf: repoRoot.appendingPathComponent("scenes/mremap/faulted-into-unfaulted-2.6.36.scene"), encoding: .utf8)
    var s = app(source + "\nspawn P2\nmmap P2 q 2\ntouch P2 q 0\nmmap P2 r 2\ntouch P2 r 0\n", view: .diagram)
    let freed = try #require(World.anonVMAID(named: "AV1"))
    var place: Rect?
    var after = 0
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let frame = s.render(width: 120, height: 40).plainText
      let w = s.layout.world
      guard w.anonVMA(freed)?.alive == false else { continue }
      let d = try #require(s.layout.diagram?.whole)
      let box = try #require(d.anonVMAs.first { $0.anonVMA == freed }, "step \(k): AV1 not drawn")
      #expect(place == nil || place == box.rect, "step \(k): AV1 moved")
      place = box.rect
      #expect(frame.contains("pg1→AV1 freed") && frame.contains("pages pg1"), "step \(k)\n\(frame)")
      for other in d.anonVMAs where other.anonVMA != freed {
        let r = other.rect
        let apart = r.maxX <= box.rect.x || box.rect.maxX <= r.x || r.maxY <= box.rect.y || box.rect.maxY <= r.y
        #expect(apart, "step \(k): \(other.title) over AV1")
      }
      if d.anonVMAs.count > 1 { after += 1 }
    }
    #expect(after >= 2, "no step after the free with another anon_vma")
  }
}
