import AnonVMASim
import AppCore
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

/// The first cell of `text` on screen (column, row), found in the frame as a person sees it.
func cell(of text: String, in b: Buffer) -> (x: Int, y: Int)? {
  let lines = b.plainText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  for (y, line) in lines.enumerated() {
    guard let r = line.range(of: text) else { continue }
    return (line[..<r.lowerBound].count, y)
  }
  return nil
}

/// The app on E3 at step 5 (three generations, AV1's lock held) in the diagram view.
private func e3Step5(width: Int, height: Int) throws -> AppDriver {
  var state = try sceneApp("e3-three-generations.scene", view: .diagram)
  state.go(to: 5)
  return AppDriver(state, width: width, height: height)
}

private func click(_ d: inout AppDriver, _ at: (x: Int, y: Int), _ action: MouseEvent.Action = .press) {
  d.mouse(MouseEvent(action, x: at.x, y: at.y))
}

@Suite("The mouse: clicks select diagram objects, the wheel scrolls, nothing steps in time")
struct MouseTests {
  @Test(
    "a click on a box's title or a VMA row selects that object; a second click inspects it", arguments: [80, 120, 200])
  func clickSelects(width: Int) throws {
    let height = width == 80 ? 24 : width == 120 ? 40 : 60
    var d = try e3Step5(width: width, height: height)
    // At 80x24 the step opened on its new P3 and AV3 (below P2): the wheel brings P2 back.
    for _ in 0..<10 where d.state.diagramView.top > 0 { click(&d, (5, 5), .wheelUp) }
    let w = d.state.world
    // A title follows the box's corner and a border cell (or the change mark there).
    guard let screen = d.terminal.screen, let av2 = cell(of: " AV2 ━", in: screen),
      let title = cell(of: " P2 ─", in: screen)
    else {
      Issue.record("AV2 or P2 not on screen:\n\(d.screen)")
      return
    }
    let p2 = (x: title.x - 1, y: title.y)
    click(&d, av2)
    #expect(d.state.diagramView.selection == .anonVMA(try #require(World.anonVMAID(named: "AV2"))))
    #expect(d.state.focus == .forest)
    // The row under P2's title is its VMA A.
    click(&d, (p2.x + 3, p2.y + 1))
    let vma = try #require(w.orderedVMAs.first { w.vmaName($0) == "P2:A@0" })
    #expect(d.state.diagramView.selection == .vma(vma), "\(d.screen)")
    // The process box's title selects the process.
    click(&d, (p2.x + 2, p2.y))
    #expect(d.state.diagramView.selection == .process(try #require(w.processIndex(named: "P2"))))
    #expect(d.state.overlay == nil)
    click(&d, (p2.x + 2, p2.y))
    #expect(d.state.overlay == .inspector)
    #expect(d.screen.contains("P2"))
    // Any click closes the inspector.
    click(&d, (0, 0))
    #expect(d.state.overlay == nil)
  }

  @Test("a click on empty diagram space clears the selection unless it is pinned")
  func clickOnSpace() throws {
    var d = try e3Step5(width: 120, height: 40)
    let screen = try #require(d.terminal.screen)
    let av1 = try #require(cell(of: "AV1 root", in: screen))
    // Below the last box and the locks line, inside the forest pane: nothing is drawn there at 120x40.
    let empty = (x: av1.x, y: av1.y + 21)
    #expect(d.screen.split(separator: "\n")[av1.y + 21].dropFirst(av1.x).first == " ", "\(d.screen)")
    click(&d, av1)
    #expect(d.state.diagramView.selection != nil)
    click(&d, empty)
    #expect(d.state.diagramView.selection == nil)
    click(&d, av1)
    d.press(.char("P"))
    click(&d, empty)
    #expect(d.state.diagramView.selection == .anonVMA(try #require(World.anonVMAID(named: "AV1"))))
  }

  @Test("the wheel scrolls a diagram taller than its pane, and back")
  func wheel() throws {
    var state = try sceneApp("e5-rmap-coverage.scene", view: .diagram)
    state.go(to: 5)
    var d = AppDriver(state, width: 80, height: 24)
    #expect(d.screen.contains("more"), "the diagram should not fit 80x24 here:\n\(d.screen)")
    // E5's fork P2 P3 opens on what it made (P3, AV3), below P1: the wheel scrolls up to P1 and
    // back.
    #expect(d.state.diagramView.top > 0 && !d.screen.contains("─ P1 ─"), "\(d.screen)")
    for _ in 0..<10 where d.state.diagramView.top > 0 { click(&d, (5, 5), .wheelUp) }
    #expect(d.state.diagramView.top == 0)
    let screen = try #require(d.terminal.screen)
    let p1 = try #require(cell(of: "─ P1 ─", in: screen))
    click(&d, p1, .wheelDown)
    #expect(d.state.diagramView.top > 0)
    #expect(!d.screen.contains("─ P1 ─"), "P1's box should have scrolled away:\n\(d.screen)")
    click(&d, p1, .wheelUp)
    #expect(d.state.diagramView.top == 0)
    #expect(d.screen.contains("─ P1 ─"))
  }

  @Test("no click anywhere, at any step, moves the step or the micro-step or crashes")
  func clicksNeverStep() throws {
    let state = try sceneApp("e3-three-generations.scene", view: .diagram)
    var d = AppDriver(state, width: 80, height: 24)
    for k in [0, 3, 5, 8] {
      d.press(.char("g"))
      d.type("\(k)\n")
      #expect(d.state.step == k)
      for y in 0..<24 {
        for x in stride(from: 0, to: 80, by: 5) {
          click(&d, (x, y), y % 3 == 0 ? .wheelDown : .press)
          #expect(d.state.step == k && d.state.micro == nil)
          if d.state.overlay != nil { click(&d, (0, 0)) }
        }
      }
    }
  }

  @Test("a click in the narration focuses it; the wheel there scrolls it")
  func narration() throws {
    var d = try e3Step5(width: 80, height: 24)
    d.press(.tab)
    #expect(d.state.focus != .steps)
    let screen = try #require(d.terminal.screen)
    let say = try #require(cell(of: "P3's chain", in: screen))
    click(&d, say)
    #expect(d.state.focus == .steps)
    let before = d.screen
    click(&d, say, .wheelDown)
    #expect(d.screen != before, "the narration should have scrolled")
  }
}
