import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// The names on the anon_vma boxes' drawn `list` lines (`list P1:A@0 P2:A@0 …+2`), cut ones left out.
private func listedNames(_ box: ForestDiagram.AnonVMABox) -> [String] {
  guard let line = box.lines.first(where: { $0.hasPrefix("list ") }) else { return [] }
  return line.split(separator: " ").dropFirst().map(String.init).filter { !$0.contains("…") && $0 != "(empty)" }
}

@Suite("The diagram while a process exits or a micro-step runs: what is drawn is what the model holds, in view")
struct DiagramExitTests {
  @Test(
    "at every micro-step, every VMA on an anon_vma's list (drawn or in the model) is drawn in a process box",
    arguments: DiagramTruthTests.scenes.indices)
  func listedVMAsAreDrawn(index: Int) throws {
    let (file, kernel) = DiagramTruthTests.scenes[index]
    var s = try diagramApp(file, kernel)
    var checked = 0
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      let count = s.loadMicroSteps()
      for m in 0..<count {
        s.selectMicro(m)
        s.refreshLayout()
        let w = s.layout.world
        let d = try #require(s.layout.diagram?.whole)
        let drawn = Set(d.processes.flatMap(\.vmas))
        let names = Set(drawn.map { w.vmaName($0) })
        for box in d.anonVMAs where box.change != .removed {
          for v in w.listVMAs(box.anonVMA) {
            #expect(drawn.contains(v), "\(file) step \(k).\(m + 1): \(w.vmaName(v)) on \(box.title)'s list, in no box")
            checked += 1
          }
          for name in listedNames(box) {
            #expect(names.contains(name), "\(file) step \(k).\(m + 1): \(box.title) lists \(name), in no box")
          }
        }
        // A dead process's box is drawn while its VMAs exist, titled exiting.
        for box in d.processes where !w[process: box.process].alive && box.vmas.contains(where: { w.vmas[$0] != nil }) {
          #expect(d.titles[box.process]?.contains(" exiting") == true, "\(file) step \(k).\(m + 1)")
        }
      }
    }
    #expect(checked > 0)
  }

  @Test(
    "E3 exit P3 (2.6.36): P3 is drawn exiting with P3:A@0 until remove_vma frees it, then once as exited; a step after it shows no processes left"
  )
  func e3ExitingThenEmpty() throws {
    var s = try diagramApp("e3-three-generations.scene", nil)
    s.go(to: 8)
    let count = s.loadMicroSteps()
    #expect(count > 3)
    for m in 0..<count {
      s.selectMicro(m)
      s.refreshLayout()
      let frame = s.frame(width: 120, height: 40).plainText
      if s.layout.world.vmas.isEmpty {
        // The exit ended in this micro-step: P3 is drawn once more, exited, with the VMA it freed.
        #expect(
          frame.contains("P3 exited") && frame.contains("A@0") && !frame.contains("P3 exiting"),
          "8.\(m + 1)\n\(frame)")
      } else {
        #expect(frame.contains("P3 exiting") && frame.contains("A@0"), "8.\(m + 1)\n\(frame)")
      }
    }
    s.go(to: 0)
    #expect(s.frame(width: 120, height: 40).plainText.contains("no processes yet"))
    // A step after the last process's exit draws nothing of it.
    var after = Self.exitThenScan()
    after.go(to: 5)
    let frame = after.frame(width: 120, height: 40).plainText
    #expect(frame.contains("no processes left") && !frame.contains("P1"), "\(frame)")
  }

  /// P1 faults a page in and exits (step 4); ksmd's scan (step 5) changes nothing: an empty forest
  /// after an empty one.
  static func exitThenScan() -> AppState {
    app(
      """
      kernel 2.6.36
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      exit P1
      ksmd-scan
      """, view: .diagram)
  }

  @Test(
    "an empty forest's border says nothing about more rows: E3 at step 0 and a step after the last process exited, at 80x24"
  )
  func emptyForestDoesNotScroll() throws {
    var s = try diagramApp("e3-three-generations.scene", nil)
    let area = Rect(x: 0, y: 0, width: 80, height: 24)
    func border() throws -> String {
      let b = s.frame(width: 80, height: 24)
      let pane = try #require(s.diagramPane(in: area))
      return (pane.outer.x..<pane.outer.maxX).map { b[$0, pane.outer.maxY - 1].text }.joined()
    }
    s.go(to: 0)
    var line = try border()
    #expect(s.frame(width: 80, height: 24).plainText.contains("no processes yet"))
    #expect(!line.contains("more") && !line.contains("cols"), "\(line)")
    s = Self.exitThenScan()
    s.go(to: 5)
    line = try border()
    #expect(s.frame(width: 80, height: 24).plainText.contains("no processes left"))
    #expect(!line.contains("more") && !line.contains("cols"), "\(line)")
  }

  @Test(
    "at 80x24, stepping through E3's and E5's micro-steps with nothing selected keeps the anon_vma each event names first in view",
    arguments: ["e3-three-generations.scene", "e5-rmap-coverage.scene"])
  func microStepInView(file: String) throws {
    var s = try diagramApp(file, nil)
    let area = Rect(x: 0, y: 0, width: 80, height: 24)
    var checked = 0
    var offScreenBefore = 0
    try forEachMicroStep(&s, file, width: 80, height: 24) { s, k, m, _ in
      let (event, _) = try #require(s.layout.microSteps?.states[m])
      let diagrams = try #require(s.layout.diagram)
      let pane = try #require(s.diagramPane(in: area))
      let window = s.diagramWindow(diagrams, pane: pane)
      let named = event.text.split { !$0.isLetter && !$0.isNumber }.compactMap { World.anonVMAID(named: $0) }
      guard let r = named.lazy.compactMap({ window.diagram.rect(of: .anonVMA($0)) }).first else { return }
      #expect(
        r.maxY > window.top && r.y < window.top + window.rows,
        "\(file) \(k).\(m + 1) \(event.summary): box rows \(r.y)..<\(r.maxY), window \(window.top)+\(window.rows)")
      if r.y >= window.rows { offScreenBefore += 1 }
      checked += 1
    }
    #expect(checked > 0)
    // Some of these boxes are below the first screenful: the window had to scroll to them.
    #expect(offScreenBefore > 0)
  }
}
