import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// The pages filed in each anon_vma, counted from the world's pages (not the diagram's helper).
private func filed(_ w: World) -> [AnonVMAID: Set<PageID>] {
  var out: [AnonVMAID: Set<PageID>] = [:]
  for page in w.pages where !page.freed {
    if case .anon(let a) = page.mapping { out[a, default: []].insert(page.id) }
  }
  return out
}

@Suite("What a step changed is marked: + new, ~ changed, − freed")
struct DiagramMarksTests {
  @Test("an anon_vma whose filed pages alone changed is marked ~, and so is a process whose pages alone changed")
  func pagesOnly() throws {
    var pagesOnlyAnonVMAs = 0
    var pagesOnlyProcesses = 0
    for file in lectureScenes {
      let t = try scene(file)
      for k in 1...t.stepCount {
        let (before, after) = (t.states[k - 1], t.states[k])
        let d = ForestDiagram(after, options: .init(previous: before))
        let (was, now) = (filed(before), filed(after))
        for box in d.anonVMAs where box.change != .removed && box.change != .added {
          guard let old = before.anonVMA(box.anonVMA), let new = after.anonVMA(box.anonVMA) else { continue }
          let pagesMoved = was[box.anonVMA] != now[box.anonVMA]
          #expect(box.change == (old != new || pagesMoved ? .changed : .same), "\(file) step \(k) \(box.title)")
          if old == new && pagesMoved { pagesOnlyAnonVMAs += 1 }
        }
        for box in d.processes where box.change != .removed && box.change != .added {
          let (old, new) = (before[process: box.process], after[process: box.process])
          let vmasSame = old.vmas == new.vmas && old.vmas.allSatisfy { before.vmas[$0] == after.vmas[$0] }
          let ptesMoved = old.ptes != new.ptes
          if vmasSame {
            #expect(box.change == (ptesMoved ? .changed : .same), "\(file) step \(k) \(new.name)")
            if ptesMoved { pagesOnlyProcesses += 1 }
          }
        }
      }
    }
    // E2's COW faults file a page in AV2 and change only P2's page tables.
    #expect(pagesOnlyAnonVMAs > 0 && pagesOnlyProcesses > 0)
  }

  @Test("a KSM stable node new in a step is marked + in the frame, and not in the next step")
  func newStableNode() throws {
    var s = try sceneApp("e6-ksm-root-lifetime.scene", view: .diagram)
    var added = 0
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      let (before, after) = (s.timeline.states[k - 1], s.timeline.states[k])
      let frame = s.render(width: 120, height: 40).plainText
      for (i, node) in after.stableNodes.enumerated() where node.alive {
        let new = i >= before.stableNodes.count || !before.stableNodes[i].alive
        let marked = frame.contains("+ KSM stable node K\(i + 1) ")
        #expect(marked == new, "step \(k) K\(i + 1)\n\(frame)")
        if new { added += 1 }
      }
    }
    #expect(added > 0)
  }

  @Test(
    "a KSM stable node freed in a step is drawn once, marked −, in its place, its page not selectable; gone the step after",
    arguments: [(120, 40, true), (200, 60, true), (80, 24, false)])
  func freedStableNode(width: Int, height: Int, fits: Bool) throws {
    var s = try sceneApp("every-operation.scene", view: .diagram)
    var freed = 0
    var placeBefore: [StableNodeID: Rect] = [:]
    var freedAt: [StableNodeID: Int] = [:]
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      let frame = s.render(width: width, height: height).plainText
      let d = try #require(s.layout.diagram?.whole)
      let (before, after) = (k > 0 ? s.timeline.states[k - 1] : nil, s.timeline.states[k])
      for (i, node) in after.stableNodes.enumerated() {
        let name = "KSM stable node K\(i + 1) "
        let box = d.stableNodes.first { $0.node == node.id }
        let wasAlive = before.map { i < $0.stableNodes.count && $0.stableNodes[i].alive } ?? false
        if node.alive {
          #expect(box != nil && box?.change != .removed, "step \(k) K\(i + 1)")
        } else if wasAlive {
          freed += 1
          freedAt[node.id] = k
          let box = try #require(box, "step \(k): freed K\(i + 1) not drawn")
          #expect(box.change == .removed && box.lines == ["page \(World.pageName(node.page))", "freed"])
          #expect(box.rect == placeBefore[node.id], "step \(k) K\(i + 1) moved")
          #expect(d.pageCell(inStableNode: box) == nil)
          // Where the whole forest fits the pane (at 80x24 it scrolls, the selection in view).
          #expect(frame.contains("− " + name) || !fits, "step \(k)\n\(frame)")
        } else {
          #expect(box == nil, "step \(k): K\(i + 1) freed at step \(freedAt[node.id] ?? -1) still drawn")
        }
        if let box { placeBefore[node.id] = box.rect }
      }
    }
    // every-operation: ksmd drops the exited mm's last rmap_item and K1's page goes with it.
    #expect(freed > 0)
  }

  @Test(
    "a VMA row of a box that stays is marked on its left border: + a VMA the step made, ~ one whose range, prot, anon_vma or chain changed, − one it freed (drawn once in its row)",
    arguments: lectureScenes + ["every-operation.scene", "concurrency/root-lock-blocks-exit.scene"])
  func vmaRowMarks(file: String) throws {
    var s = try sceneApp(file, view: .diagram)
    var seen: Set<String> = []
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      let b = s.frame(width: 200, height: 60)
      let (before, after) = (s.timeline.states[k - 1], s.timeline.states[k])
      let diagrams = try #require(s.layout.diagram)
      let pane = try #require(s.diagramPane(in: Rect(x: 0, y: 0, width: 200, height: 60)))
      let window = s.diagramWindow(diagrams, pane: pane)
      let d = window.diagram
      for box in d.processes where box.change == .changed {
        for (i, v) in box.vmas.enumerated() {
          // The oracle: the two worlds, read directly.
          let expected: String? =
            switch (before.vmas[v], after.vmas[v]) {
            case (nil, .some): "+"
            case (.some, nil): "−"
            case (let old?, let new?):
              old.start != new.start || old.end != new.end || old.prot != new.prot || old.anonVMA != new.anonVMA
                || old.chain != new.chain ? "~" : nil
            case (nil, nil): nil
            }
          let (fx, fy) = (pane.canvas.x + box.rect.x - window.left, pane.canvas.y + box.row(at: i) - window.top)
          guard fy >= pane.canvas.y, fy < pane.canvas.maxY, fx >= pane.canvas.x, fx < pane.canvas.maxX else { continue }
          let cell = b[fx, fy].text
          #expect(cell == (expected ?? "│"), "\(file) step \(k) VMA \(v.raw)\n\(b.plainText)")
          if let expected { seen.insert(expected) }
          // A freed VMA is written from the world before, in its row.
          if expected == "−", let old = before.vmas[v] {
            let row = (0..<200).map { b[$0, fy].text }.joined()
            #expect(
              row.contains("\(before.vmaShortName(v)) \(old.firstPage)..\(old.firstPage + old.pages - 1)"),
              "\(file) step \(k)\n\(row)")
          }
        }
      }
      // A process whose exit waited for a lock is drawn exited, once, in the step it ends in.
      for p in before.processes.indices.map({ ProcessID($0) }) where after.isAllocated(p) {
        let exitingBefore = !before[process: p].alive && before.vmas.values.contains { $0.process == p }
        let goneNow = !after.vmas.values.contains { $0.process == p }
        if exitingBefore && goneNow {
          #expect(d.processes.contains { $0.process == p && $0.change == .removed }, "\(file) step \(k)")
          #expect(b.plainText.contains("┌− \(after[process: p].name) exited"), "\(file) step \(k)\n\(b.plainText)")
          seen.insert("exited")
        }
      }
    }
    if file.hasPrefix("e4") { #expect(seen == ["+", "~", "−"]) }
    if file.hasPrefix("concurrency/root-lock") { #expect(seen.contains("exited")) }
  }

  @Test("a what-if step marks what it changed: the forked child +, its parent's anon_vma ~")
  func whatIfMarks() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene", view: .diagram), width: 120, height: 40)
    d.press(.char("g"))
    d.type("fork\n")
    d.press(.char("p"), .char(":"))
    d.type("fork P2 P3")
    d.press(.enter)
    #expect(d.state.branchedAt == 4 && d.state.step == 5)
    let diagram = try #require(d.state.layout.diagram?.whole)
    let p3 = try #require(d.state.world.processIndex(named: "P3"))
    #expect(diagram.processes.first { $0.process == p3 }?.change == .added)
    #expect(diagram.anonVMAs.contains { $0.change == .added })
    #expect(d.screen.contains("┌+ P3 "), "\(d.screen)")
  }
}
