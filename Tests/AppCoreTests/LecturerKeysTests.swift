import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Keys a lecturer tried at 80x24 (issue 16, "keys without hidden state"): what each key does
/// now is what it did, and what the status hints and notices say.
@Suite("Keys a lecturer tried: find and esc, compare at a small size, the ends of the scene")
struct LecturerKeysTests {
  @Test(
    "esc after a / find takes the focus back to the pane it was on before /, as the status hint says",
    arguments: [ForestView.diagram, .matrix])
  func escAfterFind(view: ForestView) throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene", view: view), width: 80, height: 24)
    d.type("g4\n")
    #expect(d.state.focus == .steps)
    #expect(!d.screen.contains("esc back"))
    d.type("/P2\n")
    #expect(d.state.focus != .steps, "the find moved the focus to what it found")
    #expect(d.screen.contains("esc back"), "\(d.screen)")
    d.press(.escape)
    #expect(d.state.focus == .steps)
    #expect(!d.screen.contains("esc back"))
    // Esc again does nothing more; a find from the narration, then tab: esc keeps tab's focus.
    d.press(.escape)
    #expect(d.state.focus == .steps)
    d.type("/P1\n")
    d.press(.tab)
    let tabbed = d.state.focus
    #expect(!d.screen.contains("esc back"))
    d.press(.escape)
    #expect(d.state.focus == tabbed)
    // A find cancelled with esc moves nothing.
    d.press(.tab)
    let before = d.state.focus
    d.press(.char("/"), .char("P"), .escape)
    #expect(d.state.focus == before && d.state.prompt == nil)
  }
}
