import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Whether the box is inside the window: all of it where it fits, else its top rows and left
/// columns (a box taller or wider than the pane shows its title).
private func boxInside(_ r: Rect, _ window: Rect) -> Bool {
  let rowsFit = r.y >= window.y && min(r.maxY, r.y + window.height) <= window.maxY
  let colsFit = r.x >= window.x && min(r.maxX, r.x + window.width) <= window.maxX
  return rowsFit && colsFit
}

/// Whether the frame on screen shows reverse video (the selection's highlight) inside `area`.
func highlighted(_ b: Buffer, in area: Rect) -> Bool {
  for y in area.y..<area.maxY {
    for x in area.x..<area.maxX where b[x, y].style.reverse { return true }
  }
  return false
}

@Suite("A diagram larger than its pane scrolls to keep the selection in view")
struct DiagramScrollTests {
  /// Deep forests: daemons that re-fork 100 and 6 generations, and a server's 200 children.
  static let deepScenes = [
    "scale/daemon-100-2.6.36.scene", "scale/daemon-100-6.1.scene", "bugs/e10-daemon-chain-2.6.36.scene",
    "bugs/e10-daemon-chain-6.1.scene", "scale/server-200-children.scene",
  ]

  @Test(
    "at 80x24 selecting any object of a deep forest (/ finds it) puts its whole box in the pane, highlighted",
    arguments: deepScenes)
  func everyObjectInView(file: String) throws {
    let s = try sceneApp(file, view: .diagram)
    var driver = AppDriver(s, width: 80, height: 24)
    driver.press(.char("G"))
    let d = try #require(driver.state.shownDiagram)
    let pane = try #require(driver.state.diagramPane(in: Rect(x: 0, y: 0, width: 80, height: 24)))
    #expect(d.height > pane.canvas.height, "\(file): the diagram should be taller than the pane")
    let names = d.objects.map { driver.state.name(of: $0, driver.state.world) }
    // In reverse reading order, so each find scrolls back up from far below.
    var checked = 0
    for (object, name) in zip(d.objects, names).reversed() {
      // Folds have no name to find; a VMA gone in this step (its process exited) is not found.
      if case .fold = object { continue }
      if case .vma(let v) = object, driver.state.world.vmas[v] == nil { continue }
      do {
        driver.type("/\(name)\n")
        #expect(driver.state.diagramView.selection == object, "\(file): /\(name) selects it")
        let (r, window) = try #require(selectionAndWindow(driver.state, width: 80, height: 24), "\(name)")
        #expect(boxInside(r, window), "\(file): \(name) at \(r) outside the window \(window)\n\(driver.screen)")
        let screen = try #require(driver.terminal.screen)
        #expect(highlighted(screen, in: pane.canvas), "\(file): \(name) highlighted on screen\n\(driver.screen)")
        checked += 1
      }
    }
    #expect(checked > 0)
  }

  @Test("a pinned object deep in the forest stays in view at every step it exists in, stepping back and forth")
  func pinnedStaysInView() throws {
    var s = try sceneApp("scale/daemon-100-2.6.36.scene", view: .diagram)
    s.folding = false
    var driver = AppDriver(s, width: 80, height: 24)
    driver.press(.char("G"))
    let last = try #require(driver.state.shownDiagram?.objects.last)
    let name = driver.state.name(of: last, driver.state.world)
    driver.type("/\(name)\n")
    driver.press(.char("P"))
    #expect(driver.state.diagramView.pinned)
    var shown = 0
    let steps = driver.state.timeline.stepCount
    for _ in 0..<min(steps, 30) {
      driver.press(.left)
      if let (r, window) = selectionAndWindow(driver.state, width: 80, height: 24) {
        #expect(boxInside(r, window), "step \(driver.state.step): \(name) at \(r) outside \(window)")
        shown += 1
      }
    }
    for _ in 0..<min(steps, 30) {
      driver.press(.right)
      if let (r, window) = selectionAndWindow(driver.state, width: 80, height: 24) {
        #expect(boxInside(r, window), "step \(driver.state.step): \(name) at \(r) outside \(window)")
        shown += 1
      }
    }
    #expect(shown > 0)
  }
}
