import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Every step of a timeline in diagram view, as text frames at one size.
private func diagramFrames(_ state: AppState, width: Int, height: Int) -> String {
  var s = state
  var text = ""
  for k in 0...s.timeline.stepCount {
    s.go(to: k)
    // As the runtime draws it: the window opens on what the step changed.
    text += "=== step \(k) ===\n" + s.frame(width: width, height: height).plainText
  }
  return text
}

/// A scene under scenes/ run on another kernel model, in diagram view.
private func onKernel(_ name: String, _ kernel: KernelVersion) throws -> AppState {
  let base = try sceneApp(name, view: .diagram)
  let scene = try #require(base.scene)
  var s = AppState(
    timeline: Timeline(scene: scene, defaultTitle: base.timeline.title, kernel: kernel), fileName: name)
  s.scene = scene
  return s
}

/// Where the selected object is drawn and the window the pane shows, as the frame at this size
/// computes them; nil when nothing is selected or the diagram is not drawn.
func selectionAndWindow(_ s: AppState, width: Int, height: Int) -> (Rect, Rect)? {
  guard let diagrams = s.layout.diagram, let pane = s.diagramPane(in: Rect(x: 0, y: 0, width: width, height: height)),
    let selection = s.diagramView.selection
  else { return nil }
  let window = s.diagramWindow(diagrams, pane: pane)
  guard let r = window.diagram.rect(of: selection) else { return nil }
  return (r, Rect(x: window.left, y: window.top, width: pane.canvas.width, height: window.rows))
}

/// Whether a rectangle's first row is in the window and its columns overlap it.
private func inside(_ r: Rect, _ window: Rect) -> Bool {
  r.y >= window.y && r.y < window.maxY && r.x < window.maxX && r.maxX > window.x
}

@Suite("The diagram view: the forest as boxes and arrows in the app")
struct DiagramViewTests {
  @Test(
    "golden diagram frames of every step of E1-E6 at 80x24, 120x40 and 200x60",
    arguments: lectureScenes, [(80, 24), (120, 40), (200, 60)])
  func goldenFrames(file: String, size: (Int, Int)) throws {
    let text = diagramFrames(try sceneApp(file, view: .diagram), width: size.0, height: size.1)
    let name = "diagram-" + file.replacingOccurrences(of: ".scene", with: "") + "-\(size.0)x\(size.1).txt"
    try assertGolden(text, "Tests/AppCoreTests/Golden/\(name)")
  }

  @Test("golden diagram frames of E3 on 2.6.34 and 6.1", arguments: [KernelVersion.v2_6_34, .v6])
  func goldenVariants(kernel: KernelVersion) throws {
    let text = diagramFrames(try onKernel("e3-three-generations.scene", kernel), width: 120, height: 40)
    try assertGolden(text, "Tests/AppCoreTests/Golden/diagram-e3-three-generations-\(kernel.rawValue)-120x40.txt")
  }

  @Test("golden frame of a lock-holding micro-step of each model", arguments: KernelVersion.allCases)
  func goldenLockedMicroStep(kernel: KernelVersion) throws {
    var s = try onKernel("e3-three-generations.scene", kernel)
    // The fork of P3 (step 5) takes the lock of P2's anon_vma (its root from 2.6.36 on).
    s.go(to: 5)
    _ = s.reduce(.selectMicro(0))
    let count = try #require(s.layout.microStepCount)
    let held = try #require(
      (0..<count).first { i in
        var m = s
        _ = m.reduce(.selectMicro(i))
        return !m.world.lockHolders.keys.isEmpty
      })
    _ = s.reduce(.selectMicro(held))
    #expect(!s.world.lockHolders.keys.isEmpty)
    let text = s.render(width: 120, height: 40).plainText
    // The holder named on the outline, once.
    #expect(text.contains(" lock: cpu0") && !text.contains("locked by"))
    try assertGolden(text, "Tests/AppCoreTests/Golden/diagram-locked-micro-\(kernel.rawValue)-120x40.txt")
  }

  @Test(
    "an rmap walk is named at every size: on the bottom edge of the anon_vma it walks, and whole on the pane's bottom border where that edge holds a shorter form"
  )
  func walkNamedAtEverySize() throws {
    var s = try sceneApp("e5-rmap-coverage.scene", view: .diagram)
    var walks = 0
    for k in 0...s.timeline.stepCount {
      s.go(to: k)
      guard let walk = ForestDiagram.walk(s.layout.world) else { continue }
      walks += 1
      for (width, height) in [(80, 24), (120, 40), (200, 60)] {
        let frame = s.frame(width: width, height: height).plainText
        #expect(
          frame.contains("rmap walk of \(World.pageName(walk.page)) from \(walk.origin)"),
          "step \(k) at \(width)x\(height):\n\(frame)")
        // Every mention of the walk is a box's bottom edge (`┗━ rmap walk of pg1 ━┛`) or the
        // pane's border, never beside a box where it reads as the root arrow's caption.
        let page = World.pageName(walk.page)
        var onEdge = 0
        for line in frame.split(separator: "\n") {
          for mention in ["rmap walk of \(page)", "walk \(page)"] {
            guard let at = line.firstRange(of: mention) else { continue }
            let before = String(line[..<at.lowerBound])
            #expect(
              before.hasSuffix("┗━ ") || before.hasSuffix("└─ "),
              "step \(k) at \(width)x\(height): \(line)")
            if before.hasSuffix("┗━ ") { onEdge += 1 }
            break
          }
        }
        #expect(onEdge == 1, "step \(k) at \(width)x\(height):\n\(frame)")
      }
    }
    #expect(walks >= 2)
  }

  @Test("a step shows the locks it took without entering micro-steps, and draws the widest hold")
  func stepLocks() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.go(to: 5)
    #expect(s.micro == nil)
    let frame = s.render(width: 120, height: 40).plainText
    #expect(frame.contains("locks: cpu0 locks AV1 (fork P2 P3: anon_vma_lock)"))
    #expect(frame.contains("AV1 lock: cpu0 (fork P2 P3)") && !frame.contains("locked by"))
    // Wide: the side column lists them.
    #expect(s.render(width: 200, height: 60).plainText.contains("locks in this step"))
  }

  @Test("v cycles diagram, matrix, tree; the diagram needs 80 columns and falls back to the matrix")
  func views() throws {
    var s = try sceneApp("e2-fork-cow.scene", view: .diagram)
    s.go(to: 4)
    #expect(s.render(width: 80, height: 24).plainText.contains("┏"))
    let narrow = s.render(width: 79, height: 24).plainText
    #expect(narrow.contains("processes & VMAs") && narrow.contains("matrix: the diagram needs 80 columns"))
    send(&s, [.char("v")])
    #expect(s.forestView == .matrix)
    #expect(s.render(width: 120, height: 40).plainText.contains("processes & VMAs"))
    send(&s, [.char("v")])
    #expect(s.forestView == .tree)
    #expect(s.render(width: 120, height: 40).plainText.contains("anon_vma forest (tree)"))
    send(&s, [.char("v")])
    #expect(s.forestView == .diagram)
    #expect(AppState(timeline: s.timeline, fileName: "").forestView == .diagram)
  }

  @Test("a forest over DiagramLayout.maxVMAs VMAs is drawn as the matrix, and says why")
  func largeForestFallsBack() throws {
    var s = try sceneApp("scale/forking-server-200.scene", view: .diagram)
    s.go(to: 200)
    #expect(s.world.vmas.count > DiagramLayout.maxVMAs)
    #expect(s.layout.diagram == nil)
    let frame = s.render(width: 120, height: 40).plainText
    #expect(frame.contains("processes & VMAs") && frame.contains("the diagram is drawn up to 400 VMAs"))
  }

  @Test("↓ keeps the selected object inside the pane, through the whole of a forest taller than it")
  func selectionStaysInView() throws {
    for size in [(80, 24), (120, 40)] {
      var s = try sceneApp("scale/daemon-100-2.6.36.scene", view: .diagram)
      s.folding = false
      var driver = AppDriver(s, width: size.0, height: size.1)
      driver.press(.char("G"), .tab)
      let count = try #require(driver.state.shownDiagram?.objects.count)
      #expect(try #require(driver.state.shownDiagram?.height) > size.1)
      for i in 0..<count {
        driver.press(.down)
        let (r, window) = try #require(selectionAndWindow(driver.state, width: size.0, height: size.1))
        #expect(inside(r, window), "press \(i + 1) at \(size): \(r) outside \(window)")
      }
      // The last object was reached, and PgUp pages back with the selection in the page.
      #expect(driver.state.diagramView.selection == driver.state.shownDiagram?.objects.last)
      driver.press(.pageUp, .pageUp)
      let (r, window) = try #require(selectionAndWindow(driver.state, width: size.0, height: size.1))
      #expect(inside(r, window))
      #expect(window.y < (driver.state.shownDiagram?.height ?? 0) - window.height)
    }
  }

  @Test("a pinned selection stays selected and in view across steps; gone, it is said; P releases it")
  func pin() throws {
    var driver = AppDriver(try sceneApp("e3-three-generations.scene", view: .diagram), width: 80, height: 24)
    driver.press(.right, .right, .right, .right, .right, .tab)
    driver.type("/P3:A@0\n")
    #expect(driver.state.diagramView.selection != nil)
    driver.press(.char("P"))
    #expect(driver.state.diagramView.pinned)
    #expect(driver.screen.contains("pinned P3:A@0"))
    for step in 6...8 {
      driver.press(.right)
      #expect(driver.state.step == step)
      #expect(driver.state.diagramView.selection != nil)
      if let (r, window) = selectionAndWindow(driver.state, width: 80, height: 24) {
        #expect(inside(r, window), "step \(step)")
      } else {
        #expect(driver.screen.contains("is not in this step"), "step \(step)")
      }
    }
    driver.press(.char("P"))
    #expect(!driver.state.diagramView.pinned)
    driver.press(.left)
    #expect(driver.state.diagramView.selection == nil)
  }

  @Test("/ finds an object inside a fold: the diagram unfolds and scrolls to it")
  func findInsideFold() throws {
    var driver = AppDriver(try sceneApp("scale/server-200-children.scene", view: .diagram), width: 120, height: 40)
    driver.press(.char("G"))
    #expect(driver.screen.contains("×"))
    driver.type("/P150\n")
    #expect(
      driver.state.diagramView.selection == .process(try #require(driver.state.world.processIndex(named: "P150"))))
    #expect(!driver.state.folding)
    #expect(driver.screen.contains("P150"))
    let (r, window) = try #require(selectionAndWindow(driver.state, width: 120, height: 40))
    #expect(inside(r, window))
  }

  @Test("L shows the legend over the pane and hides it; enter inspects the selection")
  func legendAndInspector() throws {
    var driver = AppDriver(try sceneApp("e2-fork-cow.scene", view: .diagram), width: 120, height: 40)
    driver.press(.right, .right, .right, .right, .char("L"))
    #expect(driver.screen.contains("legend: L closes"))
    #expect(driver.screen.contains("anon_vma->root"))
    driver.press(.char("L"))
    #expect(!driver.screen.contains("legend: L closes"))
    driver.press(.tab, .down, .enter)
    #expect(driver.screen.contains("enter or esc closes"))
    #expect(driver.screen.contains("parent"))
  }
}

@Suite("The diagram's legend (L): every entry readable at every size, scrolled with ↓/↑")
struct DiagramLegendViewTests {
  @Test(
    "at 80x24, 120x40 and 200x60 every word of the model's legend is on screen once scrolled through; ↓ scrolls",
    arguments: [(80, 24), (120, 40), (200, 60)], [KernelVersion.v2_6_34, .v2_6_36, .v6])
  func everyWord(size: (Int, Int), kernel: KernelVersion) throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    if kernel != s.timeline.kernel, let scene = s.scene {
      s = AppState(timeline: Timeline(scene: scene, defaultTitle: "E3", kernel: kernel), fileName: "e3")
      s.forestView = .diagram
    }
    send(&s, [.right, .right, .right, .right, .right, .char("L")])
    var seen = ""
    var frames = 0
    var previous = ""
    while frames < 200 {
      // As the runtime draws (`frame`): the diagram planned once, not for every frame.
      let frame = s.frame(width: size.0, height: size.1).plainText
      #expect(frame.contains("legend: L closes"), "\(frame)")
      if frame == previous { break }
      seen += frame
      previous = frame
      frames += 1
      send(&s, [.down])
    }
    let words = ForestDiagram.legend(kernel: kernel).joined(separator: " ").split(separator: " ")
    for word in Set(words) { #expect(seen.contains(word), "\(size) \(kernel): '\(word)' never shown") }
    if size.1 == 24 { #expect(frames > 1, "at 80x24 the legend should need scrolling (↓ moved it)") }
    send(&s, [.char("L")])
    #expect(!s.render(width: size.0, height: size.1).plainText.contains("legend: L closes"))
  }
}
